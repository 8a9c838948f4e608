#!/bin/sh
set -e

# Run the arguments with node when the first one is an option (starts with "-"),
# is not a command on PATH, or is a file that is not executable: `docker run node:24 app.js`.
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi

exec "$@"
