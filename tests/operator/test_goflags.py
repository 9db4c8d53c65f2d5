"""Go's flag syntax, as Flagger's command line reads it: spellings, booleans, value checks, errors.

The differential test runs the real Flagger 1.44 binary (testenv/flagger.sh builds it) on the same
command lines: ``flagger -version ARGS`` exits 2 when Go's flag package refuses ARGS and 0 when it
accepts them (it prints its version before doing anything else), which is exactly what
``goflags.parse`` must answer.
"""

from __future__ import annotations

import itertools
import subprocess

import pytest

from flagger_py.operator import flags, goflags
from flagger_py.operator.goflags import Flag, FlagError, Kind
from tests.paths import TESTENV_BIN

FLAGGER = TESTENV_BIN / "flagger"
FLAGS = flags.ALL_FLAGS


def test_the_spellings_go_accepts_set_the_same_value() -> None:
    spellings = [
        ["-mesh-provider=kuma"],
        ["--mesh-provider=kuma"],
        ["-mesh-provider", "kuma"],
        ["--mesh-provider", "kuma"],
        ["-mesh-provider=linkerd", "-mesh-provider=kuma"],  # the last one wins
    ]
    for argv in spellings:
        assert goflags.parse(FLAGS, argv) == {"mesh-provider": "kuma"}, argv


def test_a_bare_boolean_is_true_and_takes_a_value_only_after_equals() -> None:
    assert goflags.parse(FLAGS, ["-enable-leader-election"]) == {"enable-leader-election": "true"}
    assert goflags.parse(FLAGS, ["--zap-replace-globals"]) == {"zap-replace-globals": "true"}
    for text, stored in [("false", "false"), ("0", "false"), ("F", "false"), ("TRUE", "true"), ("t", "true")]:
        assert goflags.parse(FLAGS, [f"-enable-config-tracking={text}"]) == {"enable-config-tracking": stored}


def test_a_value_may_start_with_a_dash_when_it_follows_its_flag() -> None:
    assert goflags.parse(FLAGS, ["-cluster-name", "-prod-"]) == {"cluster-name": "-prod-"}
    assert goflags.parse(FLAGS, ["-kubeconfig-qps", "-1"]) == {"kubeconfig-qps": "-1"}


def test_double_dash_ends_the_flags_and_nothing_may_follow() -> None:
    assert goflags.parse(FLAGS, ["-v=2", "--"]) == {"v": "2"}
    with pytest.raises(FlagError, match="unexpected argument '-port=1'"):
        goflags.parse(FLAGS, ["--", "-port=1"])


def test_a_boolean_followed_by_true_or_false_is_refused_with_the_fix() -> None:
    # Go reads -enable-leader-election false as true, then stops reading: every later flag is lost.
    with pytest.raises(FlagError) as caught:
        goflags.parse(FLAGS, ["-enable-leader-election", "false", "-namespace=x"])
    assert str(caught.value) == (
        "unexpected argument 'false' after -enable-leader-election: a boolean flag takes its value after "
        "'=' (-enable-leader-election=false); Flagger would stop reading flags here and ignore the rest"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-threadinss=3"], "-threadinss: flag provided but not defined (did you mean -threadiness?)"),
        (["-log-dir=/tmp"], "-log-dir: flag provided but not defined (did you mean -log_dir?)"),
        (["-kubeconfig"], "-kubeconfig: flag needs an argument (-kubeconfig=VALUE)"),
        (["---port=1"], "bad flag syntax: ---port=1"),
        (["-=1"], "bad flag syntax: -=1"),
        (["-enable-leader-election=yes"], "-enable-leader-election: invalid boolean value 'yes'"),
        (["-kubeconfig-qps=fast"], "-kubeconfig-qps: invalid value 'fast': parse error (invalid syntax)"),
        (["-kubeconfig-qps=9223372036854775808"], "-kubeconfig-qps: invalid value '9223372036854775808'"),
        (["-control-loop-interval=10"], "-control-loop-interval: invalid value '10'"),
        (["-log_file_max_size=-1"], "-log_file_max_size: invalid value '-1'"),
        (["-stderrthreshold=loud"], "-stderrthreshold: invalid value 'loud': must be one of INFO, WARNING"),
        (["-vmodule=a=1,b"], "-vmodule: invalid value 'a=1,b': syntax error"),
        (["-log_backtrace_at=main:3"], "-log_backtrace_at: invalid value 'main:3': syntax error"),
        (["serve"], "unexpected argument 'serve': flagger-py run takes flags only"),
    ],
)
def test_what_go_refuses_is_refused_naming_the_flag(argv: list[str], message: str) -> None:
    with pytest.raises(FlagError) as caught:
        goflags.parse(FLAGS, argv)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("argv", [["-h"], ["--help"], ["-mesh-provider=kuma", "-help"]])
def test_help_is_asked_for_as_in_go(argv: list[str]) -> None:
    with pytest.raises(goflags.HelpRequested):
        goflags.parse(FLAGS, argv)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        *[("100", 100), ("+3", 3), ("-1", -1), ("0x1F", 31), ("0X_1f", 31), ("010", 8), ("0o17", 15)],
        *[("0b101", 5), ("1_000", 1000), ("0", 0), ("-0x10", -16)],
    ],
)
def test_integers_parse_as_strconv_parseint_base_0(text: str, number: int) -> None:
    assert goflags.go_int(text) == number


@pytest.mark.parametrize("text", ["", "08", "0x", "0b", "1__0", "_10", "10_", " 1", "1.5", "1e3", "ten"])
def test_integers_go_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"^invalid syntax$"):
        goflags.go_int(text)


def test_usage_lists_every_flag_with_its_type_and_default() -> None:
    text = goflags.usage(
        [Flag("port", Kind.STRING, "8080", "Port."), Flag("on", Kind.BOOL, "false", "On.")], "prog"
    )
    assert text == 'Usage of prog:\n  -on\n    \tOn.\n  -port string\n    \tPort. (default "8080")\n'


# Command lines the differential test puts to Flagger's binary; none has a stray argument (Go would
# accept those and stop reading, this parser refuses them: tested above).
FLAGGERS = [f for f in flags.FLAGGER_FLAGS + flags.KLOG_FLAGS if f.name != "version"]
ONE_OF_EACH_KIND = {f.kind: f for f in FLAGGERS}.values()
DIFFERENTIAL = [
    *([f"-{flag.name}=1"] for flag in FLAGGERS),  # every flag of Flagger's exists, of the right kind
    *(
        [f"-{flag.name}={value}"]
        for flag in ONE_OF_EACH_KIND
        for value in ("", "0", "-1", "true", "x", "10s", "0x10", "INFO", "a.go:1", "a=1")
    ),
    ["-kubeconfig-qps", "1_0"],
    ["-kubeconfig-qps", "0_10"],
    ["-kubeconfig-qps", "08"],
    ["-kubeconfig-qps", "+0b11"],
    ["-threadiness=-0o7"],
    ["-log_file_max_size=+1"],
    ["-log_file_max_size=0x_ff"],
    ["-control-loop-interval=1.5h"],
    ["-control-loop-interval=-1s"],
    ["-control-loop-interval= 1s"],
    ["-control-loop-interval=1h2m3s4ms5us6ns"],
    ["-control-loop-interval=.5s"],
    ["-control-loop-interval=5.s"],
    ["-control-loop-interval=1d"],
    ["-v=+2"],
    ["-v=2147483648"],
    ["-stderrthreshold=warning"],
    ["-stderrthreshold=-7"],
    ["-vmodule=,,"],
    ["-vmodule=*=+1,b.go=2"],
    ["-vmodule=a=1=2"],
    ["-vmodule==1"],
    ["-log_backtrace_at=f.go:+1"],
    ["-log_backtrace_at=f.go:0"],
    ["-log_backtrace_at=a:b:1"],
    ["-log_backtrace_at=:1"],
    ["-enable-leader-election=T"],
    ["-enable-leader-election="],
    ["--enable-leader-election", "-namespace", "--"],
    ["-namespace"],
    ["---namespace=x"],
    ["-=x"],
    ["--=x"],
    ["-no-such-flag"],
    ["-log-level", "warn", "-zap-encoding", "console", "-port", "9090"],
]


@pytest.mark.skipif(not FLAGGER.exists(), reason=f"{FLAGGER} missing: testenv/flagger.sh builds it")
def test_accepts_exactly_what_flaggers_own_binary_accepts() -> None:
    disagreements = []
    for argv in DIFFERENTIAL:
        done = subprocess.run(
            [str(FLAGGER), "-version", *argv], capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode in (0, 2), f"{argv}: flagger exited {done.returncode}: {done.stderr}"
        try:
            goflags.parse(FLAGS, argv)
            ours = "accepted"
        except FlagError as exc:
            ours = f"refused: {exc}"
        theirs = "accepted" if done.returncode == 0 else f"refused: {done.stderr.splitlines()[0]}"
        if ours.split(":", 1)[0] != theirs.split(":", 1)[0]:
            disagreements.append(f"{argv}: flagger-py {ours}; Flagger {theirs}")
    assert not disagreements, "\n".join(disagreements)


@pytest.mark.skipif(not FLAGGER.exists(), reason=f"{FLAGGER} missing: testenv/flagger.sh builds it")
def test_every_flag_of_flaggers_binary_is_defined_with_its_kind() -> None:
    done = subprocess.run([str(FLAGGER), "-h"], capture_output=True, text=True, timeout=30, check=False)
    listed = {}
    for line in done.stderr.splitlines():
        if line.startswith("  -"):
            name, _, word = line.strip()[1:].partition(" ")
            listed[name] = word or "bool"
    ours = {f.name: f for f in flags.FLAGGER_FLAGS + flags.KLOG_FLAGS}
    assert set(listed) == set(ours)
    words = {Kind.BOOL: "bool", Kind.STRING: "string", Kind.INT: "int", Kind.UINT: "uint"}
    words |= {Kind.DURATION: "duration", Kind.LEVEL: "value", Kind.SEVERITY: "value"}
    words |= {Kind.VMODULE: "value", Kind.TRACE: "value"}
    assert {name: words[f.kind] for name, f in ours.items()} == listed


# Defaults that differ from the binary's, on purpose (docs/differences-from-flagger.md, "Command line").
OUR_DEFAULTS = {"log-level": ("debug", "info"), "zap-encoding": ("json", "console")}


@pytest.mark.skipif(not FLAGGER.exists(), reason=f"{FLAGGER} missing: testenv/flagger.sh builds it")
def test_defaults_are_those_of_flaggers_binary_but_two() -> None:
    done = subprocess.run([str(FLAGGER), "-h"], capture_output=True, text=True, timeout=30, check=False)
    lines = done.stderr.splitlines()
    theirs = {}
    for flag_line, help_line in itertools.pairwise(lines):
        if flag_line.startswith("  -"):
            name = flag_line.strip()[1:].split(" ")[0]
            _, found, default = help_line.rpartition("(default ")
            theirs[name] = default[:-1].strip('"') if found else ""
    for flag in flags.FLAGGER_FLAGS + flags.KLOG_FLAGS:
        expected = theirs[flag.name]
        if flag.name in OUR_DEFAULTS:
            assert (expected, flag.default) == OUR_DEFAULTS[flag.name]
        elif expected:
            assert flag.default == expected, flag.name
        else:
            assert flag.default in ("", "false", "0"), flag.name
