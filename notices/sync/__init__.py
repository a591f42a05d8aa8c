"""Following Find a Tender and Contracts Finder (issue 21): see docs/notices.md.

- ``core``: pure paging, window and filter rules (no ORM, no network);
- ``client``: one HTTP client per platform (stdlib ``urllib``), polite and bounded;
- ``models``: where each platform's sync has reached, the market notices and officers' watches;
- ``services``: one sync run (lock, page, filter, import, remember), the market email.
"""
