from newsletter import stopping

stopping.install()  # first: a SIGTERM while the rest loads is answered too

from newsletter.cli import main  # noqa: E402

main()
