#!/usr/bin/env bash
# check_no_copied_text.sh: the project rule "never copy third-party article text into
# the repository" as a test. Fails when a line of any tracked text file (git ls-files,
# binary files left out) shares MIN_WORDS or more consecutive words with a corpus text:
#   the seed articles  $BM_CORPUS/seeds/*.txt (else ../shared/corpus beside the checkout)
#   the dev texts      $BM_DEV_TEXTS/*.txt (else $HOME/.cache/bordermap/corpus-dev)
# and prints file:line, the corpus text and the shared words. Facts (a name, a title,
# a date) are a few words; a sentence carried over is many.
# Words are runs of Unicode word characters (Python's \w), compared case-folded; a
# literal "\n" or "\t" escape in a test row separates words like the break it stands for.
# MIN_WORDS is 7: after the test rows and the example article were reworded, the
# longest runs left are full names and titles ("رئيس الوزراء العراقي محمد شياع
# السوداني", six words); 7 keeps such a name plus one word of context legal while a
# copied clause, which runs well past seven words, fails. 8 would let a seven-word
# clause fragment through for no gain.
# SKIPPED (77) when neither corpus is present; under CI=true, where ../shared sits
# beside the clone, missing seeds are a broken set-up and fail (as the other corpus
# tests do); the dev texts are never on CI and their absence only narrows the check.
# Usage: check_no_copied_text.sh [SOURCE-DIR]   (needs python3 and git)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
corpus=${BM_CORPUS:-$(cd "$src/.." && pwd)/shared/corpus}
dev=${BM_DEV_TEXTS:-${HOME:-}/.cache/bordermap/corpus-dev}
exec python3 - "$src" "$corpus/seeds" "$dev" <<'PY'
import glob, os, re, subprocess, sys

MIN_WORDS = 7
NAME = "check_no_copied_text"
src, seeds, dev = sys.argv[1:4]

def words(text):
    text = text.replace("\\n", " ").replace("\\t", " ")
    return re.findall(r"\w+", text.casefold())

def texts(d):
    return sorted(glob.glob(os.path.join(d, "*.txt"))) if os.path.isdir(d) else []

seed_files, dev_files = texts(seeds), texts(dev)
if not seed_files:
    if os.environ.get("CI") == "true":
        print("%s: FAILED: no seed texts in %s, and CI=true requires them" % (NAME, seeds))
        sys.exit(1)
    if not dev_files:
        print("%s: SKIPPED: no seed texts in %s (../shared/corpus beside the checkout, or "
              "$BM_CORPUS) and no dev texts in %s ($BM_DEV_TEXTS)" % (NAME, seeds, dev))
        sys.exit(77)
grams = {}
for f in seed_files + dev_files:
    with open(f, encoding="utf-8", errors="replace") as fh:
        w = words(fh.read())
    for i in range(len(w) - MIN_WORDS + 1):
        grams.setdefault(tuple(w[i:i + MIN_WORDS]), os.path.basename(f))

try:
    tracked = subprocess.run(["git", "-C", src, "ls-files", "-z"], check=True,
                             capture_output=True).stdout.decode().split("\0")
except (OSError, subprocess.CalledProcessError) as e:
    print("%s: SKIPPED: cannot list the tracked files of %s (%s)" % (NAME, src, e))
    sys.exit(77)

found = checked = 0
for rel in filter(None, tracked):
    path = os.path.join(src, rel)
    if not os.path.isfile(path):
        continue
    with open(path, "rb") as fh:
        data = fh.read()
    if b"\0" in data[:8192]:
        continue  # binary
    checked += 1
    for ln, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        w = words(line)
        i = 0
        while i + MIN_WORDS <= len(w):
            hit = grams.get(tuple(w[i:i + MIN_WORDS]))
            if not hit:
                i += 1
                continue
            j = i + MIN_WORDS  # extend to the whole shared run for the message
            while j < len(w) and tuple(w[j - MIN_WORDS + 1:j + 1]) in grams:
                j += 1
            print("%s:%d: %d words shared with %s: %s" % (rel, ln, j - i, hit, " ".join(w[i:j])))
            found += 1
            i = j
if found:
    print("%s: FAILED: %d runs of %d+ words copied from the corpus texts; reword them"
          % (NAME, found, MIN_WORDS))
    sys.exit(1)
print("%s: ok (%d tracked text files against %d seed and %d dev texts, %d-word runs)"
      % (NAME, checked, len(seed_files), len(dev_files), MIN_WORDS))
PY
