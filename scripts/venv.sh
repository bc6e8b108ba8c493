# Sourced by scripts/demo and scripts/test: make .venv with Python ≥ 3.11 and install lawtrail.
# Usage: ensure_venv STAMP SPEC   (e.g. ensure_venv .installed '.[dev]')

find_python() {
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "lawtrail needs Python 3.11 or newer (python3.11, python3.12 or python3 on PATH)." >&2
  return 2
}

make_venv() {
  local python
  python="$(find_python)" || exit 2
  if ! "$python" -m venv .venv 2>/dev/null; then
    # Debian and Ubuntu ship venv without ensurepip unless python3-venv is installed: fall back
    # on virtualenv from PyPI, which needs only pip.
    rm -rf .venv
    echo "python -m venv is not usable here; installing virtualenv with pip instead" >&2
    "$python" -m pip install --quiet --user virtualenv ||
      { echo "Neither venv nor pip works: install python3-venv (or pip) and retry." >&2; exit 2; }
    "$python" -m virtualenv --quiet .venv
  fi
}

ensure_venv() {
  local stamp=".venv/$1" spec="$2"
  if [ ! -x .venv/bin/python ]; then
    make_venv
  fi
  if ! .venv/bin/python -c "import lawtrail" 2>/dev/null || [ ! -e "$stamp" ] ||
    [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/pip install --quiet --upgrade pip
    .venv/bin/pip install --quiet -e "$spec"
    touch "$stamp"
  fi
}
