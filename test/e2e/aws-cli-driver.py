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
    # The command and the credential_process it starts see an empty stdin, as `run` gives
    # /usr/bin/aws, never the stream the requests come on.
    requests_fd = os.dup(0)
    empty = os.open(os.devnull, os.O_RDONLY)
    os.dup2(empty, 0)
    os.close(empty)
    sys.stdin, sys.stdout, sys.stderr = capture(), out, err
    try:
        status = AWSCLIEntryPoint().main(request["args"])
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__
        os.dup2(requests_fd, 0)
        os.close(requests_fd)
    answer.write(json.dumps({
        "status": status,
        "stdout": out.buffer.getvalue().decode("utf-8", "replace"),
        "stderr": err.buffer.getvalue().decode("utf-8", "replace"),
    }) + "\n")
    answer.flush()


def main():
    answer = sys.__stdout__
    # One request at a time (the Node side waits for each answer), so nothing is read ahead
    # while fd 0 is swapped for a command.
    for line in sys.__stdin__:
        run(json.loads(line), answer)


if __name__ == "__main__":
    main()
