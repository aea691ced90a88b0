#!/bin/sh
# Prints the versions of the tools the image ships.
curl --version | head -n 1
jq --version
