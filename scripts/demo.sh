#!/usr/bin/env bash
# The main job on the bundled samples, from a fresh copy each time: ingest AFP's correction,
# index the store, match, show the plan, apply, apply again (nothing left to do), report, verify.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

work=var/demo
rm -rf "$work"
mkdir -p "$work"
cp -a samples/store "$work/store"
export WIREFIX_DB_URL="sqlite:///$PWD/$work/wirefix.db"
export WIREFIX_BACKUP_DIR="$PWD/$work/backups"
wf=.venv/bin/wirefix
run() { echo; echo "\$ wirefix $*"; "$wf" "$@"; }

run ingest samples/notices/afp-daraa-correction.eml samples/notices/afp-daraa-correction.txt
notice=$("$wf" ingest -q samples/notices/afp-daraa-correction.eml)
run scan "$work/store"
run match "$notice" --all || [ $? -eq 3 ]
run apply "$notice" --dry-run
run apply "$notice" --yes
run apply "$notice" --yes
run report --notice "$notice"
run audit verify
echo
echo "The Daraa photo now reads:"
exiftool -G1 -a -s -IPTC:By-line -XMP-dc:Creator -IFD0:Artist -IPTC:Credit -IPTC:Caption-Abstract \
  "$work/store/afp/2017/02/20/SYRIA-CONFLICT-000_NG3LP.jpg"
