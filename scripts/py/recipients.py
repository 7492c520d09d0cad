#!/usr/bin/python3
"""The recipients of an exported series, and its files (scripts/export).

    recipients.py [--max N] [--me "Name <mail>"] [--strip-volatile] B4DIR OUTDIR

B4DIR holds the messages `b4 send -o` wrote (NNNN-slug.eml, 0000 the cover letter), and for
each patch NNNN-slug.maintainers: the maintainers and lists of the files it touches, one
address a line (get_maintainer.pl --m --l). Every message has the cover letter's To: and Cc:
from b4; each patch gets its own maintainers added to Cc:, minus those already named. A person
is named once: two addresses count as one person when their addresses or their names are the
same (MAINTAINERS lists some people under two addresses). --me is the sender, never a
recipient.

Fails, naming what is wrong, when the cover letter has more than --max recipients (default
25) or names anyone twice. Writes OUTDIR/0000-cover-letter.patch and OUTDIR/NNNN-slug.patch.
--strip-volatile leaves out the headers that change from one export to the next (Date,
Message-Id, In-Reply-To, References, X-B4-Tracking): what the repo commits.
"""
import argparse
import sys
from email.utils import formataddr, getaddresses
from pathlib import Path

VOLATILE = {"date", "message-id", "in-reply-to", "references", "x-b4-tracking"}


class RecipientError(Exception):
    pass


def split(text):
    """Headers as [name, value] pairs with folded lines joined, and the body, untouched."""
    head, sep, body = text.partition("\n\n")
    if not sep:
        raise RecipientError("no blank line after the headers")
    headers = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and headers:
            headers[-1][1] += " " + line.strip()
        else:
            name, _, value = line.partition(":")
            headers.append([name, value.strip()])
    return headers, body


def addresses(value):
    """'Name <a@b>' strings of a To: or Cc: value (names quoted where RFC 5322 needs it)."""
    return [formataddr(pair) for pair in getaddresses([value]) if pair[1]]


def key(addr):
    """The person's name (lower case, unquoted) and address (lower case)."""
    [(name, mail)] = getaddresses([addr])
    return name.strip().lower(), mail.strip().lower()


def same(a, b):
    (na, ma), (nb, mb) = key(a), key(b)
    return ma == mb or (na != "" and na == nb)


def order(addr):
    name, mail = key(addr)
    return (name == "", name.strip('"'), mail)


def duplicates(addrs):
    return [(a, b) for i, a in enumerate(addrs) for b in addrs[i + 1:] if same(a, b)]


def fold(name, addrs):
    return f"{name}: " + ",\n    ".join(addrs)


def render(headers, body, strip):
    lines = []
    for name, value in headers:
        if strip and name.lower() in VOLATILE:
            continue
        if name.lower() in ("to", "cc"):
            if value:
                lines.append(fold(name, addresses(value)))
        else:
            lines.append(f"{name}: {value}")
    return "\n".join(lines) + "\n\n" + body


def header(headers, name):
    for n, v in headers:
        if n.lower() == name:
            return v
    return ""


def set_header(headers, name, value):
    for h in headers:
        if h[0].lower() == name.lower():
            h[1] = value
            return
    headers.append([name, value])


def process(b4dir, outdir, max_recipients, me, strip):
    msgs = sorted(Path(b4dir).glob("[0-9][0-9][0-9][0-9]-*.eml"))
    if not msgs or not msgs[0].name.startswith("0000-"):
        raise RecipientError(f"{b4dir}: no cover letter (0000-*.eml)")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    report = []
    for path in msgs:
        headers, body = split(path.read_text())
        to = addresses(header(headers, "to"))
        cc = addresses(header(headers, "cc"))
        if me:
            to = [a for a in to if not same(a, me)]
            cc = [a for a in cc if not same(a, me)]
        added = []
        if path.name.startswith("0000-"):
            everyone = to + cc
            if dups := duplicates(everyone):
                raise RecipientError("the cover letter names a person twice: " +
                                     "; ".join(f"{a} and {b}" for a, b in dups))
            if len(everyone) > max_recipients:
                raise RecipientError(f"the cover letter has {len(everyone)} recipients, "
                                     f"more than {max_recipients}")
            name = "0000-cover-letter.patch"
            report.append(f"cover letter: {len(to)} To, {len(cc)} Cc")
        else:
            mfile = path.with_suffix(".maintainers")
            own = [a for a in mfile.read_text().splitlines() if a.strip()] \
                if mfile.exists() else []
            for a in own:
                if not any(same(a, b) for b in to + cc + added) and not (me and same(a, me)):
                    added.append(a)
            cc += added
            if dups := duplicates(to + cc):
                raise RecipientError(f"{path.name} names a person twice: " +
                                     "; ".join(f"{a} and {b}" for a, b in dups))
            name = path.with_suffix(".patch").name
            report.append(f"{path.stem[:4]}: {len(added)} more Cc for its files"
                          + (f" ({', '.join(key(a)[1] for a in added)})" if added else ""))
        # b4 keeps no order: people by name, then lists, the patch's own after the cover's.
        to = sorted(to, key=order)
        cc = sorted([a for a in cc if a not in added], key=order) + sorted(added, key=order)
        set_header(headers, "To", ", ".join(to))
        set_header(headers, "Cc", ", ".join(cc))
        (outdir / name).write_text(render(headers, body, strip))
    return report


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max", type=int, default=25)
    ap.add_argument("--me", default="")
    ap.add_argument("--strip-volatile", action="store_true")
    ap.add_argument("b4dir")
    ap.add_argument("outdir")
    args = ap.parse_args(argv)
    try:
        for line in process(args.b4dir, args.outdir, args.max, args.me, args.strip_volatile):
            print(f"recipients: {line}", file=sys.stderr)
    except (RecipientError, OSError, ValueError) as e:
        print(f"ERROR: recipients: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
