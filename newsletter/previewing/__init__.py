"""`newsletter preview --serve`: the issue as any subscriber gets it, live in a browser.

documents.py  pure: an issue's HTML or text as a page to show, a forced colour scheme, an error page
watch.py      which files change what the issue looks like, and a watcher for them
page.py       the control page around the issue (format, width, scheme, subscriber)
server.py     the Starlette app: the page, the issue, its status, a change-event stream
"""
