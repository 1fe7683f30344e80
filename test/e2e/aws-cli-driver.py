"""The real AWS CLI v2, many commands in one interpreter.

/usr/bin/aws is `sys.exit(awscli.clidriver.main())`, and main() is
AWSCLIEntryPoint().main(argv). Starting it costs about 0.5 s of CPU (most of it importing
awscli and botocore); running a command once it is loaded costs a few ms. This runs the same
entry point for each request, so the tests that need the CLI's reading of a config file and
its credential_process call (not the `aws` process itself: its name, its signals) pay the
start once per test file.

Requests are JSON lines on stdin: {"args": [...], "env": {...}, "cwd": "..."}. For each, the
environment is replaced by "env" (botocore reads it when the session is made, once per
command), the command runs with its own stdout and stderr, and one JSON line answers on the
real stdout: {"status": n, "stdout": "...", "stderr": "..."}.
"""
import io
import json
import os
import sys

from awscli.clidriver import AWSCLIEntryPoint

# Importing awscli sets AWS_DATA_PATH (where its own models live) in the environment, as it
# does in every `aws` process; each command's environment keeps it.
DATA_PATH = os.environ["AWS_DATA_PATH"]


def capture():
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", write_through=True)


def run(request, answer):
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["AWS_DATA_PATH"] = DATA_PATH
    os.chdir(request["cwd"])
    out, err = capture(), capture()
    sys.stdout, sys.stderr = out, err
    try:
        status = AWSCLIEntryPoint().main(request["args"])
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else 1
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    answer.write(json.dumps({
        "status": status,
        "stdout": out.buffer.getvalue().decode("utf-8", "replace"),
        "stderr": err.buffer.getvalue().decode("utf-8", "replace"),
    }) + "\n")
    answer.flush()


def main():
    answer = sys.__stdout__
    for line in sys.stdin:
        run(json.loads(line), answer)


if __name__ == "__main__":
    main()
