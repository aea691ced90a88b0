"""What BuildKit refuses after parsing (dockopt.validity): each entry refused, and a near miss accepted.

Every file here is first parsed by BuildKit's own parser (the `dockerfile` package), so that
what is tested is the step after parsing: BuildKit accepts each file's syntax, and refuses to
build the first of each pair. The messages are BuildKit's, from
frontend/dockerfile/instructions/parse.go and frontend/dockerfile/dockerfile2llb/convert.go.
"""

from __future__ import annotations

import pytest

from dockopt import refusals
from dockopt.syntax import parse
from dockopt.validity import Refused, problems, reference_error, refuse

# (code, refused file, BuildKit's message, line, a near miss BuildKit builds)
CASES = [
    # DO002 unknown-instruction
    (
        "DO002",
        "FROM debian:12\nRUNN apt-get update\n",
        "unknown instruction: RUNN (did you mean RUN?)",
        2,
        "FROM debian:12\nRUN apt-get update\n",
    ),
    ("DO002", "FROM a\ncopyy x /y\n", "unknown instruction: copyy (did you mean copy?)", 2, "FROM a\ncopy x /y\n"),
    (
        "DO002",
        "FROM a\nRUN echo \\\n  && true\n&& mkdir /x\n",
        "unknown instruction: &&",
        4,
        "FROM a\nRUN echo \\\n  && true \\\n&& mkdir /x\n",
    ),
    # a trigger is parsed where a stage of the file is built FROM its stage
    (
        "DO002",
        "FROM a AS base\nONBUILD RUNN make\nFROM base\n",
        "unknown instruction: RUNN (did you mean RUN?)",
        2,
        "FROM a AS base\nONBUILD RUNN make\nFROM debian\n",
    ),
    # DO003 argument-count
    (
        "DO003",
        "FROM a\nCOPY app.tar.gz\n",
        "COPY requires at least two arguments, but only one was provided. Destination could not be determined",
        2,
        "FROM a\nCOPY app.tar.gz /opt/\n",
    ),
    (
        "DO003",
        'FROM a\nADD ["app.tar.gz"]\n',
        "ADD requires at least two arguments, but only one was provided. Destination could not be determined",
        2,
        'FROM a\nADD ["app.tar.gz", "/opt/"]\n',
    ),
    ("DO003", "FROM\n", "FROM requires either one or three arguments", 1, "FROM scratch\n"),
    ("DO003", "FROM golang build\n", "FROM requires either one or three arguments", 1, "FROM golang AS build\n"),
    (
        "DO003",
        "FROM golang AS build extra\n",
        "FROM requires either one or three arguments",
        1,
        "FROM golang as build\n",
    ),
    ("DO003", "FROM a\nUSER\n", "USER requires exactly one argument", 2, "FROM a\nUSER app staff\n"),
    ("DO003", "FROM a\nWORKDIR\n", "WORKDIR requires exactly one argument", 2, "FROM a\nWORKDIR /app\n"),
    ("DO003", "FROM a\nSTOPSIGNAL\n", "STOPSIGNAL requires exactly one argument", 2, "FROM a\nSTOPSIGNAL SIGINT\n"),
    ("DO003", "FROM a\nMAINTAINER\n", "MAINTAINER requires exactly one argument", 2, "FROM a\nMAINTAINER Jane Doe\n"),
    ("DO003", "FROM a\nENV\n", "ENV requires at least one argument", 2, "FROM a\nENV A=1\n"),
    ("DO003", "FROM a\nLABEL\n", "LABEL requires at least one argument", 2, "FROM a\nLABEL a=1\n"),
    ("DO003", "ARG\nFROM a\n", "ARG requires at least one argument", 1, "ARG V\nFROM a\n"),
    ("DO003", "FROM a\nEXPOSE\n", "EXPOSE requires at least one argument", 2, "FROM a\nEXPOSE 80\n"),
    ("DO003", "FROM a\nVOLUME []\n", "VOLUME requires at least one argument", 2, 'FROM a\nVOLUME ["/data"]\n'),
    ("DO003", "FROM a\nONBUILD\n", "ONBUILD requires at least one argument", 2, "FROM a\nONBUILD RUN make\n"),
    ("DO003", "FROM a\nHEALTHCHECK\n", "HEALTHCHECK requires at least one argument", 2, "FROM a\nHEALTHCHECK NONE\n"),
    ("DO003", "FROM a\nSHELL []\n", "SHELL requires at least one argument", 2, 'FROM a\nSHELL ["/bin/bash", "-c"]\n'),
    # DO004 invalid-flag
    (
        "DO004",
        "FROM a\nCOPY --platform=linux/amd64 x /y\n",
        "unknown flag: --platform",
        2,
        "FROM --platform=linux/amd64 a\nCOPY --chown=1 x /y\n",
    ),
    (
        "DO004",
        "FROM a\nCOPY --fro=build x /y\n",
        "unknown flag: --fro (did you mean from?)",
        2,
        "FROM a\nCOPY --from=build x /y\n",
    ),
    ("DO004", "FROM a\nCOPY --FROM=build x /y\n", "unknown flag: --FROM", 2, "FROM a\nCOPY --from=build x /y\n"),
    ("DO004", "FROM a\nADD --from=build x /y\n", "unknown flag: --from", 2, "FROM a\nADD --unpack=false x /y\n"),
    ("DO004", "FROM a\nENV --x=1 A=b\n", "unknown flag: --x", 2, "FROM a\nENV A=b\n"),
    ("DO004", "FROM a\nRUN --from=b make\n", "unknown flag: --from", 2, "FROM a\nRUN --network=none make\n"),
    ("DO004", "FROM --chown=1 a\n", "unknown flag: --chown", 1, "FROM --platform=linux/amd64 a\n"),
    ("DO004", "FROM a\nHEALTHCHECK --foo=1 CMD true\n", "unknown flag: --foo", 2, "FROM a\nHEALTHCHECK --foo=1 NONE\n"),
    (
        "DO004",
        "FROM a\nCOPY --from=a --from=b x /y\n",
        "duplicate flag specified: --from",
        2,
        "FROM a\nCOPY --exclude=a --exclude=b x /y\n",
    ),
    (
        "DO004",
        "FROM a\nCOPY --chmod 755 run.sh /bin/\n",
        "missing a value on flag: --chmod",
        2,
        "FROM a\nCOPY --chmod=755 run.sh /bin/\n",
    ),
    (
        "DO004",
        "FROM a\nCOPY --link=yes x /y\n",
        "expecting boolean value for flag --link, not: yes",
        2,
        "FROM a\nCOPY --link=FALSE x /y\n",
    ),
    (
        "DO004",
        "FROM a\nCOPY --link= x /y\n",
        "missing a value on flag: --link",
        2,
        "FROM a\nCOPY --link --parents x /y\n",
    ),
    # BuildKit never parses the flags of ARG and STOPSIGNAL
    ("DO004", "FROM a\nUSER --x app\n", "unknown flag: --x", 2, "FROM a\nARG --x V\nSTOPSIGNAL --x SIGINT\n"),
    # DO005 invalid-flag-value
    (
        "DO005",
        "FROM a\nRUN --network=bridge make\n",
        'invalid network mode "bridge"',
        2,
        "FROM a\nRUN --network=host make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --security=privileged make\n",
        'security "privileged" is not valid',
        2,
        "FROM a\nRUN --security=insecure make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount= make\n",
        "failed to parse csv mounts: EOF",
        2,
        "FROM a\nRUN --mount=type=tmpfs,target=/tmp make\n",
    ),
    (
        "DO005",
        'FROM a\nRUN --mount=type=cache,target=/a\\"b make\n',
        'failed to parse csv mounts: parse error on line 1, column 21: bare " in non-quoted-field',
        2,
        "FROM a\nRUN --mount=type=cache,target=/ab make\n",
    ),
    (
        "DO005",
        'FROM a\nRUN --mount=type=cache,\\"target=/c make\n',
        'failed to parse csv mounts: parse error on line 1, column 13: extraneous or missing " in quoted-field',
        2,
        'FROM a\nRUN --mount=type=cache,\\"target=/c\\" make\n',
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=bind,target=/c,size=1g make\n",
        "unexpected key 'size' for mount type 'bind'",
        2,
        "FROM a\nRUN --mount=type=tmpfs,target=/c,size=1g make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --device=gpu,required=maybe make\n",
        "invalid value for required: maybe",
        2,
        "FROM a\nRUN --device=gpu,required=T make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --device=gpu,bogus=1 make\n",
        "unexpected key 'bogus' in 'bogus=1'",
        2,
        "FROM a\nRUN --device=bogus=1 make\n",
    ),
    (
        "DO005",
        "FROM a\nHEALTHCHECK --retries=99999999999 CMD true\n",
        'strconv.ParseInt: parsing "99999999999": value out of range',
        2,
        "FROM a\nHEALTHCHECK --retries=2147483647 CMD true\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=cach,target=/c make\n",
        'unsupported mount type "cach" (did you mean cache?)',
        2,
        "FROM a\nRUN --mount=type=cache,target=/c make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=cache,target=/c,sharing=lock make\n",
        'unsupported sharing value "lock" (did you mean locked?)',
        2,
        "FROM a\nRUN --mount=type=cache,target=/c,sharing=locked make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=bind,target=/c,bogus=1 make\n",
        "unexpected key 'bogus' in 'bogus=1'",
        2,
        "FROM a\nRUN --mount=type=bind,target=/c,rw make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=bind,target=/c,z make\n",
        "invalid field 'z' must be a key=value pair",
        2,
        "FROM a\nRUN --mount=type=bind,target=/c,ro make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=bind,target=/c,required make\n",
        "unexpected key 'required' for mount type 'bind'",
        2,
        "FROM a\nRUN --mount=type=secret,id=tok,required make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=bind,target=/c,uid=1 make\n",
        'uid not allowed for "bind" type mounts',
        2,
        "FROM a\nRUN --mount=type=cache,target=/c,uid=1,mode=0755 make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=cache,target=/c,mode=0999 make\n",
        "invalid value 0999 for mode",
        2,
        "FROM a\nRUN --mount=type=cache,target=/c,mode=0700 make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=bind,target=/c,ro=maybe make\n",
        "invalid value for ro: maybe",
        2,
        "FROM a\nRUN --mount=type=bind,target=/c,ro=true make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=secret,id=tok,from=b make\n",
        "secret mount should not have a from",
        2,
        "FROM a\nRUN --mount=type=secret,id=tok,env=TOKEN make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=secret make\n",
        "invalid secret mount. one of source, target required",
        2,
        "FROM a\nRUN --mount=type=secret,target=/run/secrets/tok make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=secret,source=a,id=b make\n",
        "both source and id can't be set",
        2,
        "FROM a\nRUN --mount=type=secret,source=a,target=/b make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=bind,target=/c,sharing=locked make\n",
        "invalid cache sharing set for bind mount",
        2,
        "FROM a\nRUN --mount=type=cache,target=/c,sharing=private make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --mount=type=bind,target=/ make\n",
        'invalid mount target "/"',
        2,
        "FROM a\nRUN --mount=type=$KIND,target=/ make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --device=gpu,extra make\n",
        "invalid field 'extra' must be a key=value pair",
        2,
        "FROM a\nRUN --device=vendor.com/gpu=all,required make\n",
    ),
    (
        "DO005",
        "FROM a\nRUN --device=name=a,name=b make\n",
        "device name already set to a",
        2,
        "FROM a\nRUN --device=name=a,required=false make\n",
    ),
    (
        "DO005",
        "FROM a\nHEALTHCHECK --interval=5 CMD true\n",
        'time: missing unit in duration "5"',
        2,
        "FROM a\nHEALTHCHECK --interval=5s --timeout=1m30s --start-period=0 --start-interval=1.5ms --retries=3 CMD true\n",
    ),
    (
        "DO005",
        "FROM a\nHEALTHCHECK --timeout=soon CMD true\n",
        'time: invalid duration "soon"',
        2,
        "FROM a\nHEALTHCHECK --timeout=10s CMD true\n",
    ),
    (
        "DO005",
        "FROM a\nHEALTHCHECK --start-period=5x CMD true\n",
        'time: unknown unit "x" in duration "5x"',
        2,
        "FROM a\nHEALTHCHECK --start-period=5m CMD true\n",
    ),
    (
        "DO005",
        "FROM a\nHEALTHCHECK --interval=10us CMD true\n",
        'Interval "interval" cannot be less than 1ms',
        2,
        "FROM a\nHEALTHCHECK --interval=1ms CMD true\n",
    ),
    (
        "DO005",
        "FROM a\nHEALTHCHECK --retries=-1 CMD true\n",
        "--retries cannot be negative (-1)",
        2,
        "FROM a\nHEALTHCHECK --retries=0 CMD true\n",
    ),
    (
        "DO005",
        "FROM a\nHEALTHCHECK --retries=three CMD true\n",
        'strconv.ParseInt: parsing "three": invalid syntax',
        2,
        "FROM a\nHEALTHCHECK --retries=+3 CMD true\n",
    ),
    # DO006 invalid-argument
    (
        "DO006",
        "FROM a\nSHELL /bin/bash -c\n",
        "SHELL requires the arguments to be in JSON form",
        2,
        'FROM a\nSHELL ["/bin/bash", "-c"]\n',
    ),
    (
        "DO006",
        "FROM a\nHEALTHCHECK NONE true\n",
        "HEALTHCHECK NONE takes no arguments",
        2,
        "FROM a\nHEALTHCHECK none\n",
    ),
    (
        "DO006",
        "FROM a\nHEALTHCHECK RUN true\n",
        'Unknown type "RUN" in HEALTHCHECK (try CMD)',
        2,
        "FROM a\nHEALTHCHECK cmd true\n",
    ),
    (
        "DO006",
        "FROM a\nHEALTHCHECK CMD\n",
        "Missing command after HEALTHCHECK CMD",
        2,
        'FROM a\nHEALTHCHECK CMD ["true"]\n',
    ),
    ("DO006", "FROM a\nENV =x\n", "ENV names can not be blank", 2, "FROM a\nENV a==x\n"),
    ("DO006", "FROM a\nLABEL a=1 =2\n", "LABEL names can not be blank", 2, "FROM a\nLABEL a =2\n"),
    ("DO006", "ARG =x\nFROM a\n", "ARG names can not be blank", 1, "ARG x=\nFROM a\n"),
    (
        "DO006",
        'FROM a\nVOLUME [" "]\n',
        "VOLUME specified can not be an empty string",
        2,
        'FROM a\nVOLUME [" /data"]\n',
    ),
    ("DO006", 'FROM a\nVOLUME ""\n', "VOLUME specified can not be an empty string", 2, "FROM a\nVOLUME $DATA\n"),
    (
        "DO006",
        "FROM a\nCOPY app <<EOF\nx\nEOF\n",
        "COPY cannot accept a heredoc as a destination",
        2,
        "FROM a\nCOPY <<EOF /app\nx\nEOF\n",
    ),
    (
        "DO006",
        "FROM a\nCOPY https://example.com/tool.tgz /opt/\n",
        "source can't be a URL for COPY",
        2,
        "FROM a\nADD https://example.com/tool.tgz /opt/\n",
    ),
    (
        "DO006",
        "FROM a\nCOPY https://github.com/moby/buildkit.git /src\n",
        "source can't be a git ref for COPY",
        2,
        "FROM a\nADD https://github.com/moby/buildkit.git /src\n",
    ),
    (
        "DO006",
        "FROM a\nADD --checksum=sha256:0 https://a.example/x https://a.example/y /d/\n",
        "checksum can't be specified for multiple sources",
        2,
        "FROM a\nADD --checksum=sha256:0 https://a.example/x /d/\n",
    ),
    (
        "DO006",
        "FROM a\nADD --checksum=sha256:0 app.tar /d/\n",
        "checksum requires HTTP(S) or Git sources",
        2,
        "FROM a\nADD --checksum=sha256:0 git@github.com:moby/buildkit.git /d/\n",
    ),
    ("DO006", "FROM a\nSTOPSIGNAL SIGFOO\n", "invalid signal: SIGFOO", 2, "FROM a\nSTOPSIGNAL sigrtmin+3\n"),
    ("DO006", "FROM a\nSTOPSIGNAL 0\n", "invalid signal: 0", 2, "FROM a\nSTOPSIGNAL $SIGNAL\n"),
    (
        "DO006",
        "FROM a\nEXPOSE 80/xyz\n",
        'invalid port: "80/xyz": invalid proto: xyz',
        2,
        "FROM a\nEXPOSE 80/TCP 53/udp 9/sctp\n",
    ),
    ("DO006", "FROM a\nEXPOSE 70000\n", "invalid containerPort: 70000", 2, "FROM a\nEXPOSE 65535 8000-8010 $PORT\n"),
    ("DO006", "FROM a\nEXPOSE 90-80\n", "invalid containerPort: 90-80", 2, 'FROM a\nEXPOSE "80"\n'),
    (
        "DO006",
        "FROM a\nEXPOSE 8080:80-81\n",
        "invalid ranges specified for container and host Ports: 80-81 and 8080",
        2,
        "FROM a\nEXPOSE 8080-8081:80\n",
    ),
    (
        "DO006",
        "FROM a\nEXPOSE 1.2.3:80:80\n",
        "invalid IP address: 1.2.3",
        2,
        "FROM a\nEXPOSE 127.0.0.1:8080:80 [::1]:8081:81\n",
    ),
    ("DO006", "FROM a\nEXPOSE http:80\n", "invalid hostPort: http", 2, "FROM a\nEXPOSE 8080:80\n"),
    ("DO006", "FROM a\nEXPOSE /tcp\n", 'invalid port: "/tcp": no port specified', 2, "FROM a\nEXPOSE 0/tcp\n"),
    (
        "DO006",
        "# check=error=maybe\nFROM a\n",
        'failed to parse check options: failed to parse check option "error=maybe": strconv.ParseBool: parsing "maybe": invalid syntax',
        1,
        "# check=error=false; skip=JSONArgsRecommended,StageNameCasing\nFROM a\n",
    ),
    (
        "DO006",
        "# check=skip\nFROM a\n",
        'failed to parse check options: invalid check option "skip"',
        1,
        "# check=skip=all\nFROM a\n",
    ),
    # DO007 invalid-image-reference
    (
        "DO007",
        "FROM Ubuntu:22.04\n",
        'failed to parse stage name "Ubuntu:22.04": invalid reference format: repository name (library/Ubuntu) must be lowercase',
        1,
        "FROM ubuntu:22.04\n",
    ),
    (
        "DO007",
        "FROM Scratch\n",
        'failed to parse stage name "Scratch": invalid reference format: repository name (library/Scratch) must be lowercase',
        1,
        "FROM scratch\n",
    ),
    # a FROM names an earlier stage exactly as written: BUILD is an image
    (
        "DO007",
        "FROM a AS build\nFROM BUILD\n",
        'failed to parse stage name "BUILD": invalid reference format: repository name (library/BUILD) must be lowercase',
        2,
        "FROM a AS Build\nFROM build\n",
    ),
    (
        "DO007",
        "FROM ubuntu:22.04!\n",
        'failed to parse stage name "ubuntu:22.04!": invalid reference format',
        1,
        "FROM Registry.Example.com:5000/team/app_1:1.0-rc.1\n",
    ),
    (
        "DO007",
        "FROM ubuntu@sha256:" + "a" * 32 + "\n",
        f'failed to parse stage name "ubuntu@sha256:{"a" * 32}": invalid checksum digest length',
        1,
        "FROM ubuntu:22.04@sha256:" + "a" * 64 + "\n",
    ),
    (
        "DO007",
        "FROM " + "f" * 64 + "\n",
        f'failed to parse stage name "{"f" * 64}": invalid repository name ({"f" * 64}), cannot specify 64-byte hexadecimal strings',
        1,
        "FROM " + "f" * 63 + "\n",
    ),
    ("DO007", 'FROM ""\n', 'base name ("") should not be blank', 1, "ARG BASE=Ubuntu\nFROM $BASE\n"),
    # DO008 invalid-stage-name
    (
        "DO008",
        "FROM a AS 1st\n",
        'invalid name for build stage: "1st", name can\'t start with a number or contain symbols',
        1,
        "FROM a AS First-stage_1.x\n",
    ),
    (
        "DO008",
        "FROM a AS my@stage\n",
        'invalid name for build stage: "my@stage", name can\'t start with a number or contain symbols',
        1,
        "FROM a AS my.stage\n",
    ),
    (
        "DO008",
        "# check=error=true\nFROM a AS scratch\n",
        'Stage name should not use the same name as reserved stage "scratch" (an error with `# check=error=true`)',
        2,
        "# check=error=true;skip=ReservedStageName\nFROM a AS scratch\n",
    ),
    # DO009 duplicate-stage-name: only when BuildKit's checks are errors
    (
        "DO009",
        "# check=error=true\nFROM a AS build\nFROM b AS build\n",
        'Duplicate stage name "build", stage names should be unique (an error with `# check=error=true`)',
        3,
        "FROM a AS build\nFROM b AS build\n",
    ),
    # DO010 no-build-stage
    ("DO010", "ENV LANG=C.UTF-8\nFROM a\n", "no build stage in current context", 1, "ARG LANG=C.UTF-8\nFROM a\n"),
    ("DO010", "ARG A\nARG B\n", "dockerfile contains no stages to build", 1, "ARG A\nFROM a\n"),
    # DO011 forbidden-onbuild-trigger
    (
        "DO011",
        "FROM a\nONBUILD ONBUILD RUN make\n",
        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
        2,
        "FROM a\nONBUILD RUN make\n",
    ),
    (
        "DO011",
        "FROM a\nonbuild from b\n",
        "FROM isn't allowed as an ONBUILD trigger",
        2,
        "FROM a\nonbuild copy . /app\n",
    ),
    (
        "DO011",
        "FROM a\nONBUILD MAINTAINER me\n",
        "MAINTAINER isn't allowed as an ONBUILD trigger",
        2,
        "FROM a\nONBUILD LABEL maintainer=me\n",
    ),
    # DO012 invalid-stage-reference
    (
        "DO012",
        "FROM node AS build\nCOPY --from=assets /dist /app\nFROM alpine AS assets\n",
        'cannot copy from stage "assets", it needs to be defined before current stage "build"',
        2,
        "FROM alpine AS assets\nFROM node AS build\nCOPY --from=Assets /dist /app\n",
    ),
    (
        "DO012",
        "FROM a\nCOPY --from=1 /x /y\nFROM b\n",
        'cannot copy from stage "1", it needs to be defined before current stage "stage-0"',
        2,
        "FROM b\nFROM a\nCOPY --from=0 /x /y\n",
    ),
    # a name BuildKit finds among the stages is a stage, the last of that name
    (
        "DO012",
        "FROM a AS x\nFROM b AS y\nCOPY --from=x /a /b\nFROM c AS x\n",
        'cannot copy from stage "x", it needs to be defined before current stage "y"',
        3,
        "FROM a AS x\nFROM b AS y\nCOPY --from=x /a /b\nFROM c AS z\n",
    ),
    (
        "DO012",
        "FROM a AS build\nCOPY --from=build /a /b\n",
        "circular dependency detected on stage: build",
        2,
        "FROM a AS build\nCOPY --from=builder /a /b\n",
    ),
    (
        "DO012",
        "FROM a AS x\nCOPY --from=y /a /b\nFROM b AS y\nCOPY --from=x /a /b\n",
        "circular dependency detected on stage: x",
        2,
        "FROM a AS x\nFROM b AS y\nCOPY --from=x /a /b\n",
    ),
    (
        "DO012",
        "FROM a\nCOPY --from=1 /a /b\n",
        "invalid stage index 1",
        2,
        "FROM a\nCOPY --from=alpine /a /b\nCOPY --from=1 /a /b\n",
    ),
    (
        "DO012",
        "FROM a\nFROM b\nCOPY --from=-1 /a /b\n",
        "invalid stage index -1",
        3,
        "FROM a\nFROM b\nCOPY --from=+0 /a /b\n",
    ),
    (
        "DO012",
        "ARG SRC=build\nFROM a\nCOPY --from=$SRC /a /b\n",
        "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
        3,
        "ARG SRC=build\nFROM ${SRC} AS source\nFROM a\nCOPY --from=source /a /b\n",
    ),
    (
        "DO012",
        "FROM a AS build\nRUN --mount=from=assets,target=/a make\nFROM b AS assets\n",
        'cannot mount from stage "assets" to "/a", stage needs to be defined before current command',
        2,
        "FROM b AS assets\nFROM a AS build\nRUN --mount=from=assets,target=/a make\n",
    ),
    (
        "DO012",
        "FROM a\nRUN --mount=type=bind,from=$SRC,target=/a make\n",
        "'from' doesn't support variable expansion, define alias stage instead",
        2,
        "FROM a\nRUN --mount=type=bind,from=image$,target=/a make\n",
    ),
    # a mount without from= looks up a stage named "scratch" (BuildKit's detectRunMount)
    (
        "DO012",
        "FROM a AS scratch\nRUN --mount=type=cache,target=/c make\n",
        "circular dependency detected on stage: scratch",
        2,
        "FROM a AS tools\nRUN --mount=type=cache,target=/c make\n",
    ),
    # ... and dispatch then checks the order only for a cache mount, to which it gives from=scratch
    (
        "DO012",
        "FROM a\nRUN --mount=type=cache,target=/c make\nFROM b AS scratch\n",
        'cannot mount from stage "scratch" to "/c", stage needs to be defined before current command',
        2,
        "FROM a\nRUN --mount=type=bind,target=/c make\nFROM b AS scratch\n",
    ),
]


def _id(case) -> str:
    code, _, message, _, _ = case
    return f"{code}-{message[:40]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_buildkit_parses_both_refuses_the_first_and_builds_the_second(case):
    dockerfile = pytest.importorskip(
        "dockerfile", reason="BuildKit's parser (the dockerfile package) confirms each file parses"
    )
    code, refused, message, line, accepted = case
    dockerfile.parse_string(refused)  # BuildKit's parser accepts both: what is tested is the step after it
    dockerfile.parse_string(accepted)
    df = parse(refused)
    found = problems(df)
    assert [(p.code, p.message, df.line_col(p.start)[0]) for p in found] == [(code, message, line)]
    assert found[0].name == refusals.lookup(code).name
    assert problems(parse(accepted)) == ()


def test_every_code_has_a_refused_case():
    assert {c[0] for c in CASES} == {r.code for r in refusals.REFUSALS}


def test_each_instruction_gets_the_first_error_buildkit_raises_and_every_instruction_is_reported():
    # parse.go checks COPY's arguments before its flags; both instructions are reported
    df = parse("FROM a\nCOPY --bogus x\nRUN --network=bridge make\n")
    assert [(p.code, p.message) for p in problems(df)] == [
        (
            "DO003",
            "COPY requires at least two arguments, but only one was provided. Destination could not be determined",
        ),
        ("DO005", 'invalid network mode "bridge"'),
    ]


def test_only_the_first_instruction_before_from_is_reported():
    df = parse("ENV A=1\nRUN make\nFROM a\n")
    assert [(p.code, df.line_col(p.start)[0]) for p in problems(df)] == [("DO010", 1)]


def test_problems_come_in_the_order_buildkit_meets_them():
    # instructions.Parse refuses the unknown instruction before convert.go looks at --from
    df = parse("FROM a AS b\nCOPY --from=c /x /y\nFROM b AS c\nRUNN make\n")
    assert [p.code for p in problems(df)] == ["DO002", "DO012"]
    with pytest.raises(Refused) as raised:
        refuse(df)
    assert str(raised.value) == "line 4: unknown instruction: RUNN (did you mean RUN?) (DO002)"
    refuse(parse("FROM a\n"))  # nothing to refuse: no exception


def test_buildkit_suggests_the_closest_name_within_two_edits():
    messages = [
        p.message
        for p in problems(parse("FROM a\nCOPY --foo x /y\nRUN --mount=type=bind,target=/c,foo=1 make\nWORKDIRR /\n"))
    ]
    assert messages == [  # in BuildKit's order: instructions.Parse, then the mounts at dispatch
        "unknown flag: --foo (did you mean from?)",
        "unknown instruction: WORKDIRR (did you mean WORKDIR?)",
        "unexpected key 'foo' in 'foo=1' (did you mean from?)",  # the first of the closest, in BuildKit's list
    ]


def test_spans_point_at_what_is_wrong():
    text = "FROM a AS 1x\nCOPY --link=yes x /y\n"
    df = parse(text)
    assert [text[p.start : p.end] for p in problems(df)] == ["1x", "--link=yes"]


def test_words_holding_variables_are_left_to_the_build():
    text = (
        "ARG BASE=Ubuntu SIG=NOPE PORT=99999 T=cach\n"
        "FROM ${BASE}\n"
        "STOPSIGNAL $SIG\n"
        "EXPOSE ${PORT}\n"
        "RUN --mount=type=$T,target=/c make\n"
        "COPY ${URL:-https://example.com/x} /x\n"
    )
    assert problems(parse(text)) == ()


@pytest.mark.parametrize(
    "reference, error",
    [
        ("ubuntu", None),
        ("localhost:5000/app:1", None),
        ("[::1]:5000/app", None),
        (
            "index.docker.io/Library/ubuntu",
            "invalid reference format: repository name (Library/ubuntu) must be lowercase",
        ),
        ("ghcr.io/Org/app", "invalid reference format: repository name (Org/app) must be lowercase"),
        ("Ghcr.io/org/app", None),  # upper case in the domain is allowed
        ("a" * 256, "repository name must not be more than 255 characters"),
        ("app:" + "t" * 129, "invalid reference format"),
        ("app@md5:" + "0" * 32, "unsupported digest algorithm"),
        ("app@sha256:" + "A" * 64, "invalid checksum digest format"),
        ("app@sha512:" + "0" * 128, None),
    ],
)
def test_image_references_as_distribution_reference_reads_them(reference, error):
    assert reference_error(reference) == error


def test_the_issue_example():
    df = parse("FROM debian\nRUNN apt-get update\nCOPY\n")
    assert [(p.code, p.name, df.line_col(p.start)[0]) for p in problems(df)] == [
        ("DO002", "unknown-instruction", 2),
        ("DO003", "argument-count", 3),
    ]
