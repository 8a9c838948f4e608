#!/bin/sh
# The one file of this example that belongs in the image.
echo "hello from /app"
