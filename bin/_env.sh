# shellcheck shell=bash
# Shared setup for bin/demo and bin/test; source it with the pip extras to install:
#   source "$(dirname "${BASH_SOURCE[0]}")/_env.sh" dev
# Finds Python >= 3.12, creates .venv, installs the project when pyproject.toml changed,
# compiles the translations, puts .venv/bin first on PATH and cd's to the repo root.

MOTIVO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$MOTIVO_ROOT" || exit 1

_motivo_python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

_motivo_find_python() {  # prints the first Python >= 3.12 found; MOTIVO_PYTHON wins
    local candidate
    for candidate in ${MOTIVO_PYTHON:-} python3.13 python3.12 python3 \
        /root/.pyenv/versions/3.1[2-9]*/bin/python3.1[2-9] \
        /usr/bin/python3.1[2-9] /usr/local/bin/python3.1[2-9]; do
        if _motivo_python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if ! _motivo_python_ok .venv/bin/python; then
    _motivo_py=$(_motivo_find_python) || {
        echo "error: Motivo needs Python >= 3.12 and none was found (tried python3.13," \
            "python3.12, python3, pyenv versions, /usr/bin, /usr/local/bin)." \
            "Install one, or point MOTIVO_PYTHON at it." >&2
        exit 1
    }
    echo "Creating .venv with $_motivo_py ($("$_motivo_py" -V 2>&1))" >&2
    rm -rf .venv
    "$_motivo_py" -m venv .venv || { echo "error: could not create .venv" >&2; exit 1; }
fi

# Reinstall only when pyproject.toml (or the extras asked for) changed since the last install.
_motivo_extras=${1:-}
_motivo_stamp=".venv/.motivo-installed${_motivo_extras:+-${_motivo_extras//,/-}}"
_motivo_hash=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ "$(cat "$_motivo_stamp" 2>/dev/null)" != "$_motivo_hash" ]]; then
    echo "Installing motivo${_motivo_extras:+[$_motivo_extras]} into .venv ..." >&2
    if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input \
        -e ".${_motivo_extras:+[$_motivo_extras]}" >.venv/pip-install.log 2>&1; then
        cat .venv/pip-install.log >&2
        echo "error: pip install failed (log: .venv/pip-install.log)" >&2
        exit 1
    fi
    echo "$_motivo_hash" >"$_motivo_stamp"
fi

export VIRTUAL_ENV="$MOTIVO_ROOT/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
python -m motivo.i18n compile || { echo "error: compiling translations failed" >&2; exit 1; }
unset _motivo_py _motivo_extras _motivo_stamp _motivo_hash
