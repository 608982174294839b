"""What a single line of scraped text is: navigation, a prompt, a byline, a photo credit…

Pure: functions of one string; never opens files or sockets.

The rules are about the *shape and role* of a line (short, imperative, starts
with "By", ends with a parenthesized credit), not about any one site's wording.
"""

from __future__ import annotations

import re
from functools import lru_cache

from newsletter.content.languages import alternation, compile_category, triggers

__all__ = [
    "byline_author",
    "byline_source",
    "credit_of",
    "ends_sentence",
    "is_about_author",
    "is_boilerplate",
    "is_bullet",
    "is_caption_marker",
    "is_cjk",
    "is_date_line",
    "is_heading_like",
    "is_paragraph_like",
    "is_title_case",
    "looks_like_name",
    "masthead_name",
    "source_names",
    "staff_source",
    "strip_bullet",
    "strip_caption_marker",
    "table_cells",
    "word_count",
]

_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CHARS}]")
# A word: a run of letters and digits; in Chinese, Japanese and Korean text, one character.
_WORD = re.compile(f"[{_CJK_CHARS}]|(?:(?![{_CJK_CHARS}])[^\\W_])+(?:['’.-][^\\W_]+)*")
_TERMINAL = re.compile(r"""[.!?…。！？]["')\]»”’」』]*$""")

# Short lines that are site furniture when they stand alone.
_NAV = re.compile(
    r"""^(?:
        most\ (?:read|popular|viewed|shared|commented)(?:\ (?:posts|stories|articles))?
      | trending(?:\ now|\ stories|\ news)? | top\ stories | breaking(?:\ news)?
      | latest(?:\ news|\ stories|\ posts|\ articles)?
      | read\ (?:more|next|also|the\ full\ story)\b.* | see\ also\b.* | continue\ reading
      | more\ (?:stories|news|articles|on\ this|from\ \S+.*|in\ \S+.*)
      | advertisement | sponsored(?:\ content)? | ad | promoted
      | skip\ to\b.* | menu | home | search | sign\ in | sign\ up | log\ ?in | log\ out | register
      | share(?:\ (?:this|on|via|article|story|the\ (?:article|story))\b.*)? | tweet | e-?mail | print | whatsapp | facebook | twitter | linkedin | copy\ link
      | comments? | \d+\ comments? | leave\ a\ (?:comment|reply) | view\ comments
      | related\b.* | you\ (?:may|might)\ (?:also\ )?(?:like|enjoy)\b.* | recommended\b.*
      | also\ read\b.* | don'?t\ miss\b.* | editor'?s\ picks? | popular\ (?:posts|stories)
      | tags?\b.* | topics?\b.* | filed\ under\b.* | categor(?:y|ies)\b.*
      | back\ to\ top | (?:next|previous|prev)\ (?:article|story|post)\b.*
      | loading\b.* | click\ here\b.* | listen(?:\ to\ this\ article)?\b.* | play\ video
      | \d+\ min(?:ute)?s?\ read | reading\ time\b.*
      | follow\ us\b.* | accept(?:\ all)?(?:\ cookies)? | cookie\b.* | image | video | photo
    )[\s.:!…]*$""",
    re.I | re.X,
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# A dateline or timestamp on its own: "Published 14 March 2024", "Updated 3 hours ago".
_DATE_LINE = re.compile(
    rf"""^(?:(?:published|updated|posted|last\ updated|first\ published|modified)\b[\s:]*(?:on\ )?)?
    (?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?
    (?:\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}
      |\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago
      |(?:today|yesterday))
    (?:[\s,]+(?:at\s+)?\d{{1,2}}[:.]\d{{2}}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{{2,4}})?)?[\s.]*$""",
    re.I | re.X,
)
_PIPE_NAV = re.compile(r"^[^|]{1,25}(?:\|[^|]{1,25}){2,}$")

# Calls to subscribe, follow, share or download; imperative, or about "our"/"your inbox".
_PROMPT_START = re.compile(
    r"^(?:subscribe|sign\ up|join|follow|get|stay|download|click|tap|register|never\ miss"
    r"|don'?t\ miss|want|like\ (?:this|what)|enjoy(?:ed)?|support|share|send\ us|contact\ us"
    r"|have\ a\ (?:tip|story)|got\ a\ (?:tip|story))\b",
    re.I,
)
_PROMPT_TOPIC = re.compile(
    r"\b(?:newsletters?|inbox|updates|subscribe|subscription|app|alerts?|podcast|email"
    r"|follow\ us|our|free|tips?|news)\b",
    re.I,
)
_PROMPT_ANYWHERE = re.compile(
    r"\b(?:our\ newsletter|your\ inbox|subscribe\ (?:to|for|now|today)|sign\ up\ (?:for|to)\ our"
    r"|follow\ us\ on|all\ rights\ reserved|cookie\ policy|privacy\ policy"
    r"|we\ use\ cookies|accept\ (?:all\ )?cookies|cookie\ (?:settings|preferences|consent)"
    r"|terms\ of\ (?:use|service))\b"
    r"|©",
    re.I,
)
_DISCLAIMER = re.compile(
    r"^\(?(?:disclaimer|editor'?s\ note|note\ to\ readers|copyright\b|\(c\)\ )"
    r"|\bnot\ (?:financial|investment|trading|legal)\ advice\b"
    r"|\bdo(?:es)?\ not\ necessarily\ (?:reflect|represent)\b"
    r"|\bviews\ (?:and\ opinions\ )?expressed\b.*\b(?:author|writer|contributor)s?\b"
    r"|\b(?:originally|first)\ (?:published|appeared)\ (?:on|in|at|by)\b"
    r"|\bholds?\ no\ liability\b",
    re.I | re.X,
)

_BYLINE_WORDS = alternation("byline")
_BYLINE = re.compile(
    rf"^{_BYLINE_WORDS}\s+"
    r"(?P<name>.+?)"
    r"(?:\s*(?:[,|/•·–—-]|\bfor\b|\bin\b|\bat\b|\bon\b|\bfür\b|\bpour\b|\bpara\b|\bper\b|\bvoor\b|\bà\b|\baus\b).*)?$",
    re.I | re.X,
)
_NAME_PARTICLE = re.compile(
    r"^(?:de|da|di|del|della|van|von|der|den|ter|bin|binti|al|el|la|le|ibn|and|und|et|y|e|en|&)$"
)


def _is_name_token(token: str) -> bool:
    if _NAME_PARTICLE.match(token):
        return True
    if 2 <= len(token) <= 4 and all(_CJK.match(c) for c in token):
        return True  # a Chinese or Japanese name
    core = token.replace("'", "").replace("’", "").replace(".", "").replace("-", "")
    return token[:1].isupper() and core.isalpha()


_CREDIT_TAIL = re.compile(
    r"\(\s*(?:photos?|photograph|image|picture|pic|credit|file\ photo|illustration|source)"
    r"\b[^)]{0,60}\)\s*$",
    re.I | re.X,
)
_CREDIT_HEAD = compile_category("captions", r"(?:^|[.!?)]\s+|[|/]\s*){}s?\s*(?:by\b|:|/|©)\s*\S")
_CREDIT_AGENCY = re.compile(
    r"(?:[/|]\s*|\b(?:photo|image|picture):?\s*)"
    r"(?:getty(?:\ images)?|reuters|afp|ap(?:\ photo)?|shutterstock|epa|xinhua|vcg|alamy"
    r"|bloomberg|pa(?:\ media|\ wire)?|anadolu|istock(?:photo)?|unsplash)\b",
    re.I | re.X,
)

_AGENCY_TAIL = re.compile(
    r"(?:^|[.!?]\s+)(?:getty(?:\ images)?|reuters|afp|ap\ photo|shutterstock|epa|xinhua|vcg|alamy"
    r"|pa\ media|anadolu|istock(?:photo)?|unsplash)(?:\ via\ [\w\ ]+)?\.?\s*$",
    re.I | re.X,
)
# "Image caption," / "Media caption" / "Image source, X": the caption follows or is inline.
_CAPTION_MARK = compile_category(
    "caption_markers", r"^(?:{}|(?:image|media|photo|video) (?:source|credit)s?)\b[\s,:]*"
)

_BULLET = re.compile(r"^(?:[•·▪▫◦‣●○■□►▶✓✔➤→*+]|[-–—](?=\s)|\d{1,2}[.)](?=\s+\S))\s*")
_DOMAIN = re.compile(r"\b([A-Za-z][\w-]*)\.(?:com|net|org|io|news|co\.uk|co|info|media)\b")
_NAMED = re.compile(
    r"(?i:\b(?:subscribe\ to|(?:originally|first)\ (?:published|appeared)\ (?:on|in|at|by)"
    r"|copyright)|©)"
    r"(?:\s*©)?(?:\s*\d{4}(?:\s*[-–]\s*\d{4})?)?\s+(?i:the\s+)?"
    r"(?P<name>[A-Z][\w&'-]*(?:\.[\w&'-]+)*(?:\ [A-Z][\w&'-]*(?:\.[\w&'-]+)*){0,3})",
    re.X,
)

# The per-language tables (newsletter/content/languages/*.yaml), every language at once.
_TRAIL = r"[\s.:!…|>›»·•-]*$"
_WHOLE_LINE = re.compile(
    r"^(?:"
    + "|".join(
        alternation(c)
        for c in (
            "skip_links",
            "buttons",
            "advertisement",
            "comments",
            "navigation",
            "about_author",
            "reading_time",
            "read_more",
            "share",
        )
    )
    + ")"
    + _TRAIL,
    re.I,
)
# "Read more: …", "Lesen Sie auch: …", "Partager sur Facebook": a prompt and its link text.
_LINE_START = re.compile(
    rf"^(?:{alternation('read_more')}|{alternation('share')})(?:\s*[:：|»›>–—-]|\s*$)", re.I
)
# Searched through whole lines: anchored at a word's start (or a CJK character) so
# that the alternation is tried at few positions of a long line.
_ANYWHERE = re.compile(
    f"(?:\\b|(?=[{_CJK_CHARS}]))(?:"
    + "|".join(alternation(c) for c in ("consent", "affiliate", "newsletter", "copyright"))
    + ")",
    re.I,
)
_ABOUT_AUTHOR = compile_category("about_author", r"^{}" + _TRAIL)
_MONTHS = alternation("months")
_UPDATED = alternation("updated")
_RELATIVE = alternation("relative_time")
_CALENDAR = (
    rf"(?:\d{{1,2}}(?:\.|er|º)?\s+(?:de\s+)?{_MONTHS}\.?(?:\s+(?:de\s+)?\d{{4}})?"
    rf"|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}年\d{1,2}月\d{1,2}日)"
)
_CLOCK = r"(?:[\s,|·-]+(?:at|um|à|a\s+las|alle|om|ore)?\s*\d{1,2}[:.h]\d{2}(?:\s*(?:[ap]\.?m\.?|uhr|h))?(?:\s*[A-Z]{2,4})?)?"
_TABLE_DATE_LINE = re.compile(
    rf"^(?:{_UPDATED}\s*:?\s*(?:on|am|le|el|il|op|the)?\s*)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun|montag|dienstag|mittwoch|donnerstag|freitag|samstag"
    r"|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles"
    r"|jueves|viernes|sábado|domingo|lunedì|martedì|mercoledì|giovedì|venerdì|sabato"
    r"|domenica|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)[a-z]*\.?,?\s+)?"
    rf"(?:{_CALENDAR}|{_RELATIVE}){_CLOCK}"
    rf"(?:\s*[|·,-]\s*(?:{_UPDATED})\s*:?\s*(?:{_CALENDAR}|{_RELATIVE}){_CLOCK})?[\s.]*$",
    re.I,
)
# A breadcrumb: short crumbs between `>`, `›`, `»`, `/` or `→`, opening on "Home" or long.
_CRUMB_SPLIT = re.compile(r"\s+[>›»/→]\s+|\s*[>›»→]\s*")
_HOME = compile_category("home", r"^{}$")
_STAFF_BYLINE = re.compile(
    rf"^{_BYLINE_WORDS}\s+(?:the\s+)?(?P<name>.+?)\s+{alternation('staff')}\b.*$"
    rf"|^{_BYLINE_WORDS}\s+(?P<desk>{alternation('staff')})(?:\s+(?:de|du|des|der|von|of)\s+(?P<of>.+?))?[\s.]*$",
    re.I,
)


_TRIGGERS = triggers()


def _has_trigger(line: str) -> bool:
    low = line.lower()
    return any(word in low for word in _TRIGGERS)


def is_cjk(line: str) -> bool:
    """True when most letters of `line` are Chinese, Japanese or Korean characters."""
    cjk = len(_CJK.findall(line))
    return cjk > 0 and cjk >= 0.3 * sum(c.isalpha() for c in line)


def _is_breadcrumb(line: str) -> bool:
    crumbs = [c.strip() for c in _CRUMB_SPLIT.split(line) if c.strip()]
    if len(crumbs) < 2 or any(word_count(c) > 4 for c in crumbs):
        return False
    return bool(_HOME.match(crumbs[0])) or len(crumbs) >= 3


def is_about_author(line: str) -> bool:
    """True for the heading of an author bio ("About the author", "Über den Autor")."""
    return bool(_ABOUT_AUTHOR.match(line.strip(" \t*#>|")))


def masthead_name(line: str) -> str | None:
    """The publication opening a masthead line ("Northern Courier | Local | Transport")."""
    parts = [p.strip() for p in re.split(r"\s*[|•·]\s*|\s+[-–—]\s+", line) if p.strip()]
    if len(parts) < 2:
        return None
    name = parts[0]
    tokens = name.split()
    if not 2 <= len(tokens) <= 5 or _HOME.match(name) or _WHOLE_LINE.match(name):
        return None
    if all(t[:1].isupper() or _NAME_PARTICLE.match(t.lower()) for t in tokens):
        return name
    return None


def staff_source(line: str) -> str | None:
    """The newsroom a byline names instead of a person ("By Northern Courier staff")."""
    if word_count(line) > 10:
        return None
    match = _STAFF_BYLINE.match(line.strip())
    if not match:
        return None
    name = (match.group("name") or match.group("of") or "").strip(" .")
    if not name or not name[:1].isupper() or re.search(r"[|,/;:•·–—]", name):
        return None
    return name if 1 <= word_count(name) <= 5 else None


@lru_cache(maxsize=4096)
def word_count(line: str) -> int:
    """Number of words in `line` (runs of letters and digits)."""
    return len(_WORD.findall(line))


def ends_sentence(line: str) -> bool:
    """True when `line` ends like a sentence (., !, ?, … possibly before a quote)."""
    return bool(_TERMINAL.search(line))


def is_paragraph_like(line: str) -> bool:
    """True when `line` reads as body text: a finished sentence of some length, or long."""
    n = word_count(line)
    return n >= 20 or (n >= 6 and ends_sentence(line))


def is_heading_like(line: str) -> bool:
    """True for a short line without end punctuation (a title or a subheading)."""
    n = word_count(line)
    return 0 < n <= 14 and len(line) <= 110 and not re.search(r"""[.!?…:;,]["'’”)\]]*$""", line)


def is_title_case(line: str) -> bool:
    """True when nearly all words of four letters or more are capitalized ("Can Rules Work?")."""
    words = [w for w in _WORD.findall(line) if len(w) >= 4]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def is_bullet(line: str) -> bool:
    """True when `line` starts with a list marker."""
    return bool(_BULLET.match(line))


def table_cells(line: str) -> list[str]:
    """The cells of a pipe-separated table row ("Kia EV3 | 560 km | £32,000"), or []."""
    if "|" not in line:
        return []
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return cells if len(cells) >= 2 and all(cells) else []


def strip_bullet(line: str) -> str:
    """`line` without its list marker."""
    return _BULLET.sub("", line, count=1).strip()


def is_boilerplate(line: str) -> bool:
    """True for navigation, share/subscribe prompts, disclaimers and copyright lines."""
    n = word_count(line)
    bare = line.strip(" \t*#>|")
    if n <= 10 and (
        _NAV.match(bare)
        or _PIPE_NAV.match(bare)
        or _DATE_LINE.match(bare)
        or _WHOLE_LINE.match(bare)
        or _TABLE_DATE_LINE.match(bare)
        or _is_breadcrumb(bare)
    ):
        return True
    if n <= 20 and _LINE_START.match(bare):
        return True
    if n <= 80 and _has_trigger(bare) and _ANYWHERE.search(bare):
        return True
    if _DISCLAIMER.search(bare):
        return True
    if n <= 30 and _PROMPT_ANYWHERE.search(bare):
        return True
    return bool(n <= 25 and _PROMPT_START.match(bare) and _PROMPT_TOPIC.search(bare))


def looks_like_name(text: str) -> bool:
    """True for 2 to 5 capitalized tokens, like a person's name ("Mary de la Cruz")."""
    tokens = text.split()
    if not 2 <= len(tokens) <= 5 or not tokens[0][:1].isupper() or not tokens[-1][:1].isupper():
        return False
    return all(_is_name_token(t) for t in tokens)


def byline_author(line: str) -> str | None:
    """The name in a byline ("By Jane Roe, Reuters" -> "Jane Roe"), or None."""
    if word_count(line) > 14:
        return None
    match = _BYLINE.match(line)
    if not match:
        return None
    name = match.group("name").strip(" .,")
    tokens = name.split()
    if 1 <= len(tokens) <= 8 and all(_is_name_token(t) for t in tokens):
        return name
    return None


_ROLE = re.compile(
    r"\b(?:staff|reporter|writer|correspondent|editor|contributor|columnist|journalist|analyst"
    r"|producer|bureau|chief|senior|desk|freelance|intern|photographer|updated|published)\b",
    re.I,
)
_BYLINE_TAIL = re.compile(
    r"^(?:by|written\ by|words\ by|story\ by|reporting\ by).+?[,|]\s*(?P<tail>.+)$", re.I | re.X
)


def byline_source(line: str) -> str | None:
    """The publication after the name in a byline ("By Jane Roe, Daily Planet"), or None."""
    match = _BYLINE_TAIL.match(line)
    if not match or not byline_author(line):
        return None
    tail = match.group("tail").strip(" .")
    if _ROLE.search(tail) or not tail[:1].isupper():
        return None
    return tail if 1 <= word_count(tail) <= 5 else None


def credit_of(line: str) -> str | None:
    """`line` when it is a photo caption or credit, else None."""
    if word_count(line) > 45:
        return None
    if (
        _CREDIT_TAIL.search(line)
        or _CREDIT_HEAD.search(line)
        or _CREDIT_AGENCY.search(line)
        or _AGENCY_TAIL.search(line)
        or _CAPTION_MARK.match(line)
    ):
        return line
    return None


def is_caption_marker(line: str) -> bool:
    """True for a bare "Image caption," line: the next line is the caption."""
    return bool(_CAPTION_MARK.match(line)) and not _CAPTION_MARK.sub("", line).strip()


def strip_caption_marker(line: str) -> str:
    """`line` without a leading "Image caption," marker."""
    return _CAPTION_MARK.sub("", line).strip() or line


def is_date_line(line: str) -> bool:
    """True for a dateline or timestamp on its own ("Updated 3 hours ago")."""
    bare = line.strip()
    return bool(_DATE_LINE.match(bare) or _TABLE_DATE_LINE.match(bare))


def source_names(line: str) -> list[str]:
    """Publication names a line gives away: "Subscribe to X", "© X", "X.com"."""
    names = [m.group("name").rstrip(".") for m in _NAMED.finditer(line)]
    names += [m.group(0) for m in _DOMAIN.finditer(line)]
    return names
