"""Find deprecated uses in shell text: `curl` requests and `llama-stack-client` commands.

Used for shell scripts, Makefile recipes, Dockerfiles and CI files (the raw text of a YAML file is
read too, so only `curl` and `llama-stack-client` commands ever produce a hit), and, through
`shell_hits`, for shell code blocks in Markdown and shell lines in notebooks.

The text is split into words the way a POSIX shell does it, closely enough for these two commands:
quotes, backslash continuations, `$(...)` / `${...}` / backticks, comments, redirections and the
command separators `;`, `&&`, `||`, `|`, `&` and newlines. A quote may span lines (a JSON body),
except one opened inside a word (`Don't` in a YAML `name:` or in console output); a quote that is
never closed is taken literally, so one stray apostrophe does not swallow the rest of the file.

The commands are found where scripts put them: as the command word (after assignments, `sudo`,
`env`, a Makefile's `@`/`-`), behind a wrapper (`run curl ...`, `retry 3 curl ...`, `timeout 30
llama-stack-client ...`), inside `sh -c '...'`, and in exec-form arrays (a Dockerfile's
`CMD ["sh", "-c", "..."]`, a YAML `command: [...]`). The CLI is `llama-stack-client`, or `ogx-client`
(the same CLI, renamed). A script's own wrapper called with a method and a path (`api POST
/v1/toolgroups -d ...`, HTTPie's `http POST :8321/v1/models`) counts as a request too.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migrate.findings import Confidence, Document, Hit, Scanned, Surface, source_lines
from migrate.rules import CLI_PROGRAMS, Rule
from migrate.sources.urls import HOLE, LLAMA_CONTEXT, has_literal_path, match_route

if TYPE_CHECKING:
    from migrate.registry import RuleSet
    from migrate.targets import TargetName

# A console prompt (`$ curl ...`, `> curl ...`) at the start of a line is blanked out, keeping columns.
_PROMPT = re.compile(r"^(\s*)[$>](?=\s)")
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_YAML_KEY = re.compile(r"^[\w.-]+:$")  # `run:` / `script:` before a command in raw YAML text
_ESCAPED = re.compile(r'\\(["\\`$])')  # backslash escapes inside double quotes
_BLANKS = re.compile(r"[ \t\r]+")
_PLAIN = re.compile(r"[^\s\\;()&|<>'\"`$#]+")  # characters the lexer has no rule for
_VARIABLE = re.compile(r"\$\$?(?:[A-Za-z_]\w*|[0-9@*#?!$-])")
# Words that may come before the command word: shell keywords, wrappers, a Dockerfile `RUN`.
_PREFIXES = frozenset(
    {"!", "{", "if", "elif", "then", "else", "while", "until", "do", "time", "sudo", "env", "nohup"}
    | {"command", "exec", "builtin", "uvx", "RUN"}
)
_RUNNERS = frozenset({"uv", "poetry", "pipx", "pdm", "hatch", "rye"})  # `<runner> run <command>`

# curl options that take a value (the value is never the URL); `--expand-<name>` takes the same.
_CURL_SHORT_VALUE = frozenset("AbcCdDeEFHKmoPQrtTuUwxXyYz")
_CURL_LONG_VALUE = frozenset(
    {
        "abstract-unix-socket", "alt-svc", "aws-sigv4", "cacert", "capath", "cert", "cert-type",
        "ciphers", "config", "connect-timeout", "connect-to", "continue-at", "cookie", "cookie-jar",
        "create-file-mode", "crlfile", "curves", "data", "data-ascii", "data-binary", "data-raw",
        "data-urlencode", "delegation", "dns-interface", "dns-ipv4-addr", "dns-ipv6-addr",
        "dns-servers", "doh-url", "dump-header", "ech", "egd-file", "engine", "etag-compare",
        "etag-save", "expect100-timeout", "form", "form-string", "ftp-account", "ftp-alternative-to-user",
        "ftp-method", "ftp-port", "ftp-ssl-ccc-mode", "happy-eyeballs-timeout-ms", "haproxy-clientip",
        "header", "hostpubmd5", "hostpubsha256", "hsts", "interface", "ip-tos", "ipfs-gateway", "json",
        "keepalive-cnt", "keepalive-time", "key", "key-type", "krb", "libcurl", "limit-rate",
        "local-port", "login-options", "mail-auth", "mail-from", "mail-rcpt", "max-filesize",
        "max-redirs", "max-time", "netrc-file", "noproxy", "oauth2-bearer", "output", "output-dir",
        "parallel-max", "pass", "pinnedpubkey", "preproxy", "proto", "proto-default", "proto-redir",
        "proxy", "proxy-cacert", "proxy-capath", "proxy-cert", "proxy-cert-type", "proxy-ciphers",
        "proxy-crlfile", "proxy-header", "proxy-key", "proxy-key-type", "proxy-pass",
        "proxy-pinnedpubkey", "proxy-service-name", "proxy-tls13-ciphers", "proxy-tlsauthtype",
        "proxy-tlspassword", "proxy-tlsuser", "proxy-user", "proxy1.0", "pubkey", "quote",
        "random-file", "range", "rate", "referer", "request", "request-target", "resolve", "retry",
        "retry-delay", "retry-max-time", "sasl-authzid", "service-name", "socks4", "socks4a",
        "socks5", "socks5-gssapi-service", "socks5-hostname", "speed-limit", "speed-time", "stderr",
        "telnet-option", "tftp-blksize", "time-cond", "tls-max", "tls13-ciphers", "tlsauthtype",
        "tlspassword", "tlsuser", "trace", "trace-ascii", "trace-config", "unix-socket", "upload-file",
        "url", "url-query", "user", "user-agent", "variable", "write-out",
    }
)  # fmt: skip
_CURL_SHORT_NAMES = {"X": "request", "d": "data", "F": "form", "T": "upload-file", "G": "get", "I": "head"}
_CURL_DATA = frozenset(
    {"data", "data-ascii", "data-binary", "data-raw", "data-urlencode", "json", "form", "form-string"}
)
_CLI_VALUE_OPTIONS = frozenset({"--endpoint", "--api-key", "--config"})
CLI_NAMES = frozenset(CLI_PROGRAMS)
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash"})
# Commands whose arguments name a command without running it: `echo curl ...` is not a request.
_NOT_WRAPPERS = frozenset(
    {"echo", "printf", "print", "man", "which", "type", "whereis", "alias", "help", "info", "apropos", "hash"}
    | {"grep", "egrep", "fgrep", "rg", "cat", "less", "tldr", "complete", "compgen"}
)
_METHODS = frozenset({"POST", "DELETE"})
# Every command this module reports contains one of these: curl, a CLI name, or a method word.
_COMMAND_MARKER = re.compile(r"curl|-client|POST|DELETE")
# A JSON array of strings: an exec-form command (Dockerfile `CMD [...]`, YAML `command: [...]`).
_EXEC_FORM = re.compile(r'\[\s*"(?:[^"\\\n]|\\.)*"(?:\s*,\s*"(?:[^"\\\n]|\\.)*")*\s*\]')


@dataclass(frozen=True)
class _Word:
    """One shell word: its text with quotes removed (expansions kept verbatim) and its span."""

    text: str
    start: int
    end: int


@dataclass
class _Lexer:
    """Split shell text into commands, each a list of words with offsets into the text."""

    text: str
    commands: list[list[_Word]] = field(default_factory=list)
    _words: list[_Word] = field(default_factory=list)
    _buf: list[str] = field(default_factory=list)
    _start: int = -1
    _redirect: bool = False

    def run(self) -> list[list[_Word]]:
        """Lex the whole text."""
        text, i = self.text, 0
        while i < len(text):
            i = self._step(text, i)
        self._end_command(len(text))
        return self.commands

    def _step(self, text: str, i: int) -> int:
        plain = _PLAIN.match(text, i)
        if plain is not None:  # a run of ordinary characters: one step, not one per character
            self._add(i, plain.group(0))
            return plain.end()
        char, nxt = text[i], text[i + 1 : i + 2]
        if char == "\\":
            if nxt == "\n":  # a continuation joins the lines
                return i + 2
            self._add(i, nxt or "\\")
            return i + 2
        if char in "\n;()" or (char == "&" and nxt != ">") or char == "|":
            self._end_command(i)
            return i + 2 if char + nxt in ("&&", "||", "|&", ";;") else i + 1
        if char in " \t\r":
            self._end_word(i)
            blanks = _BLANKS.match(text, i)
            return blanks.end() if blanks else i + 1
        if char == "#" and self._start < 0:
            newline = text.find("\n", i)
            return len(text) if newline < 0 else newline
        if char in "<>&":
            return self._redirection(text, i)
        opens = char in "'\"`" or (char == "$" and nxt in ("(", "{"))
        close = _closing(text, i) if opens else -1
        if char in "'\"" and i > 0 and text[i - 1].isalnum() and "\n" in text[i:close]:
            close = -1  # `Don't` in prose (a YAML `name:`, console output) opens no multi-line quote
        if close < 0:
            self._add(i, char)
            return i + 1
        if char == "'":
            self._add(i, text[i + 1 : close])
        elif char == '"':
            self._add(i, _ESCAPED.sub(r"\1", text[i + 1 : close].replace("\\\n", "")))
        else:
            self._add(i, text[i : close + 1])
        return close + 1

    def _redirection(self, text: str, i: int) -> int:
        if self._buf and "".join(self._buf).isdigit():  # `2>file`: the fd number is no word
            self._buf.clear()
            self._start = -1
        self._end_word(i)
        j = i
        while j < len(text) and text[j] in "<>&|":
            j += 1
        self._redirect = True  # the next word is the redirection's target
        return j

    def _add(self, at: int, chars: str) -> None:
        if self._start < 0:
            self._start = at
        self._buf.append(chars)

    def _end_word(self, at: int) -> None:
        if self._start < 0:
            return
        if self._redirect:
            self._redirect = False
        else:
            self._words.append(_Word("".join(self._buf), self._start, at))
        self._buf.clear()
        self._start = -1

    def _end_command(self, at: int) -> None:
        self._end_word(at)
        self._redirect = False
        if self._words:
            self.commands.append(self._words)
            self._words = []


def _closing(text: str, i: int) -> int:
    """Index of what closes the quote or expansion opening at `i` (-1 if none, or not an opener)."""
    char = text[i]
    if char == "'":
        return text.find("'", i + 1)
    if char == "`":
        return text.find("`", i + 1)
    if char == '"':
        j = i + 1
        while j < len(text):
            if text[j] == "\\":
                j += 2
                continue
            if text[j] == '"':
                return j
            j += 1
        return -1
    if char == "$" and text[i + 1 : i + 2] in ("(", "{"):
        return _closing(text, i + 1)
    if char in "({":
        pair = ")" if char == "(" else "}"
        depth = 0
        for j in range(i, len(text)):
            if text[j] == char:
                depth += 1
            elif text[j] == pair:
                depth -= 1
                if depth == 0:
                    return j
        return -1
    return -1


def _holes(raw: str) -> str:
    """The URL as a template: every `$VAR`, `${...}`, `$(...)`, backtick or `{...}` becomes `HOLE`."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        start = i + 1 if raw.startswith("$$", i) else i  # `$$VAR` in a Makefile recipe
        close = _closing(raw, start) if raw[start] in "${`" else -1
        if close >= 0:
            out.append(HOLE)
            i = close + 1
            continue
        variable = _VARIABLE.match(raw, i)
        if variable:
            out.append(HOLE)
            i = variable.end()
            continue
        out.append(raw[i])
        i += 1
    return "".join(out)


def _command_word(words: list[_Word]) -> int | None:
    """Index of the word naming the command, past assignments, wrappers and a YAML `run:` key."""
    i = 0
    while i < len(words):
        word = words[i].text
        if word in _RUNNERS and i + 1 < len(words) and words[i + 1].text == "run":
            i += 2
        elif (
            _ASSIGNMENT.match(word)
            or word in _PREFIXES
            or word == "-"
            or _YAML_KEY.match(word)
            or (i > 0 and word.startswith("-"))
        ):
            i += 1
        else:
            return i
    return None


@dataclass
class _CurlRequest:
    """What a curl command line asks for."""

    method: str | None = None
    data: bool = False
    get: bool = False
    head: bool = False
    upload: bool = False
    urls: list[_Word] = field(default_factory=list)

    @property
    def effective_method(self) -> str:
        """The HTTP method curl sends, following curl's own precedence."""
        if self.method is not None:
            return self.method.upper()
        if self.head:
            return "HEAD"
        if self.get:
            return "GET"
        if self.data:
            return "POST"
        return "PUT" if self.upload else "GET"

    def option(self, name: str, value: _Word | None) -> None:
        """Record one option (long name without dashes) and its value, if it takes one."""
        if name == "request" and value is not None:
            self.method = value.text
        elif name in _CURL_DATA:
            self.data = True
        elif name == "url" and value is not None:
            self.urls.append(value)
        elif name == "upload-file":
            self.upload = True
        elif name == "get":
            self.get = True
        elif name == "head":
            self.head = True


def _parse_curl(args: list[_Word]) -> _CurlRequest:
    """Read curl's arguments: options (with their values) and the URLs."""
    request = _CurlRequest()
    i = 0
    while i < len(args):
        word = args[i]
        text = word.text
        following = args[i + 1] if i + 1 < len(args) else None
        i += 1
        if text == "--":
            request.urls.extend(args[i:])
            break
        if text.startswith("--"):
            name = text[2:].removeprefix("expand-")
            if name in _CURL_LONG_VALUE:
                request.option(name, following)
                i += 1
            else:
                request.option(name, None)
        elif text.startswith("-") and len(text) > 1:
            for j, letter in enumerate(text[1:], start=2):
                name = _CURL_SHORT_NAMES.get(letter, letter)
                if letter in _CURL_SHORT_VALUE:
                    attached = _Word(text[j:], word.start + j, word.end) if text[j:] else None
                    if attached is None:
                        i += 1
                    request.option(name, attached or following)
                    break
                request.option(name, None)
        else:
            request.urls.append(word)
    return request


@dataclass(frozen=True)
class _Positions:
    """Offsets in the joined text -> (line, column) of the lines that were scanned."""

    starts: list[int]
    first_line: int

    def at(self, offset: int) -> tuple[int, int]:
        """1-based line (counted from `first_line`) and 0-based column of `offset`."""
        index = bisect_right(self.starts, offset) - 1
        return self.first_line + index, offset - self.starts[index]


def shell_hits(
    lines: Sequence[str],
    ruleset: RuleSet,
    *,
    first_line: int = 1,
    cell: int | None = None,
    llama_context: bool | None = None,
) -> list[Hit]:
    """Every deprecated curl request and `llama-stack-client` command in `lines`.

    `first_line` is the line number of `lines[0]` (a Markdown fence's first code line), `cell` the
    notebook cell the lines belong to. A curl request counts only in a Llama Stack context:
    `llama_context` says whether the whole file mentions one; by default `lines` are searched.
    """
    if not any(_COMMAND_MARKER.search(line) for line in lines):
        return []  # lexing is the costly part (a 2 MB OpenAPI spec in YAML): skip text without a command
    cleaned = [_PROMPT.sub(lambda m: m.group(1) + " ", line) for line in lines]
    text = "\n".join(cleaned)
    if llama_context is None:
        llama_context = bool(LLAMA_CONTEXT.search(text))
    starts = [0]
    for line in cleaned:
        starts.append(starts[-1] + len(line) + 1)
    positions = _Positions(starts[:-1] or [0], first_line)
    hits: list[Hit] = []
    for words in _Lexer(text).run():
        index = _command_word(words)
        if index is None:
            continue
        where = _Span(*positions.at(words[index].start), *positions.at(words[-1].end), cell)
        hit = _command_hit(words, index, ruleset, where, llama_context, depth=0)
        if hit is not None:
            hits.append(hit)
    for array in _EXEC_FORM.finditer(text):
        exec_words = _exec_form_words(array)
        if exec_words:
            where = _Span(*positions.at(array.start()), *positions.at(array.end()), cell)
            hit = _command_hit(exec_words, 0, ruleset, where, llama_context, depth=0)
            if hit is not None:
                hits.append(hit)
    return hits


def _name(word: _Word) -> str:
    """A command word's program name: `@curl` in a Makefile recipe, `/usr/bin/curl` -> `curl`."""
    return word.text.lstrip("@+-").rsplit("/", 1)[-1]


def _command_hit(
    words: list[_Word], index: int, ruleset: RuleSet, where: _Span, llama_context: bool, *, depth: int
) -> Hit | None:
    """The deprecated use one command makes, if any; `words[index]` is its command word."""
    name = _name(words[index])
    if name == "curl":
        return _curl_hit(words, index, ruleset, where) if llama_context else None
    if name in CLI_NAMES:
        return _cli_hit(words, index, ruleset, where)
    if name in _SHELLS:
        return _shell_c_hit(words, index, ruleset, where, llama_context, depth)
    if name in _NOT_WRAPPERS:
        return None
    for inner in range(index + 1, len(words)):  # `run curl ...`, `retry 3 curl ...`, `xargs curl ...`
        if _name(words[inner]) == "curl" or words[inner].text in CLI_NAMES:
            return _command_hit(words, inner, ruleset, where, llama_context, depth=depth)
    return _method_path_hit(words, index, ruleset, where) if llama_context else None


def _shell_c_hit(
    words: list[_Word], index: int, ruleset: RuleSet, where: _Span, llama_context: bool, depth: int
) -> Hit | None:
    """`sh -c 'SCRIPT'`: the first deprecated use in SCRIPT, reported at the whole command."""
    for option, script in zip(words[index + 1 :], words[index + 2 :], strict=False):
        if option.text.startswith("-") and "c" in option.text[1:] and not option.text.startswith("--"):
            return _script_hit(script.text, ruleset, where, llama_context, depth) if depth < 2 else None
    return None


def _script_hit(script: str, ruleset: RuleSet, where: _Span, llama_context: bool, depth: int) -> Hit | None:
    for inner in _Lexer(script).run():
        index = _command_word(inner)
        hit = None if index is None else _command_hit(inner, index, ruleset, where, llama_context, depth=depth + 1)
        if hit is not None:
            return hit
    return None


def _exec_form_words(array: re.Match[str]) -> list[_Word]:
    """The words of an exec-form array whose first element is a program (offsets: the array's start)."""
    try:
        items = json.loads(array.group(0))
    except ValueError:
        return []
    if not items or not isinstance(items[0], str) or not items[0] or items[0].startswith("-"):
        return []
    return [_Word(str(item), array.start(), array.end()) for item in items]


def _method_path_hit(words: list[_Word], index: int, ruleset: RuleSet, where: _Span) -> Hit | None:
    """A wrapper called with an HTTP method and a path: `api POST /v1/toolgroups ...`, `http DELETE ...`."""
    for method, url in zip(words[index + 1 :], words[index + 2 :], strict=False):
        if method.text not in _METHODS:
            continue
        template = _holes(url.text)
        route = match_route(ruleset, method.text, template)
        if route is not None:
            detail = f"{_name(words[index])} {method.text} {template.replace(HOLE, '{…}')}"
            return where.hit(route.rule, "http", "medium", False, detail, http_path=route.template)
    return None


def _curl_hit(words: list[_Word], index: int, ruleset: RuleSet, where: _Span) -> Hit | None:
    request = _parse_curl(words[index + 1 :])
    method = request.effective_method
    if method == "HEAD" or "$" in method:
        return None
    for url in request.urls:
        template = _holes(url.text)
        route = match_route(ruleset, method, template)
        if route is None:
            continue
        named = LLAMA_CONTEXT.search(url.text) is not None
        if method == "GET" and (route.rule.http.openai_compatible or not named):
            # A GET is a read (`curl $LLAMA_STACK_URL/v1/shields`): only of a route that no other server serves
            # too, at a URL that says it is Llama Stack's. How a listing's keys are read after the pipe is not
            # followed, so a GET of the model listing (answered by vLLM and OpenAI as well) is left out.
            continue
        confidence: Confidence = "high" if named else "medium"
        detail = f"curl -X {method} {template.replace(HOLE, '{…}')}"
        if route.legacy:
            detail += f" (0.2-era path {route.template})"
        rewritable = method != "GET" and has_literal_path(template, route)
        return where.hit(route.rule, "http", confidence, rewritable, detail, http_path=route.template)
    return None


def _cli_hit(words: list[_Word], index: int, ruleset: RuleSet, where: _Span) -> Hit | None:
    program = _name(words[index])
    args = [word.text for word in words[index + 1 :]]
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in _CLI_VALUE_OPTIONS else 1
    if i + 1 >= len(args):
        return None
    noun, verb = args[i], args[i + 1]
    rule = ruleset.cli_commands.get((noun, verb)) or ruleset.cli_commands.get((noun.replace("-", "_"), verb))
    if rule is None:
        return None
    return where.hit(rule, "cli", "high", False, f"{program} {noun} {verb}")


@dataclass(frozen=True)
class _Span:
    """Where a command is: from its command word to the end of its last word."""

    line: int
    column: int
    end_line: int
    end_column: int
    cell: int | None

    def hit(
        self,
        rule: Rule,
        surface: Surface,
        confidence: Confidence,
        rewritable: bool,
        detail: str,
        *,
        http_path: str | None = None,
    ) -> Hit:
        """A hit at this span."""
        return Hit(
            rule=rule,
            surface=surface,
            line=self.line,
            column=self.column,
            end_line=self.end_line,
            end_column=self.end_column,
            confidence=confidence,
            rewritable=rewritable,
            detail=detail,
            cell=self.cell,
            http_path=http_path,
        )


def scan_shell(text: str, ruleset: RuleSet, target: TargetName) -> Scanned:
    """The `shell` language matcher: the whole file is one document."""
    lines = source_lines(text)
    return Scanned([Document(lines, shell_hits(lines, ruleset))], [])
