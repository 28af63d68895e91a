"""Bystander-training bot for Telegram: the `bystander` command and its services."""

DISTRIBUTION = "bystander-bot"


def __getattr__(name: str) -> str:
    # bot.__version__ is read from the installed metadata on demand, so importing the
    # package (every command, every worker process) does not pay for importlib.metadata.
    if name != "__version__":
        raise AttributeError(f"module 'bot' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # a checkout used without `pip install`
        return "0+unknown"
