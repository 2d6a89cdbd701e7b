#!/usr/bin/env bash
# The node's Debian packages and daemons for the tests: the product's own host setup (node-daemon/host-setup.sh,
# which kubecloud-local runs too), so the tests and the local mode install one list. Arguments pass through (--check).
exec bash "$(cd "$(dirname "$0")/../.." && pwd)/node-daemon/host-setup.sh" "$@"
