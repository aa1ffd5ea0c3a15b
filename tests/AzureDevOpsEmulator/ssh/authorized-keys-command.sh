#!/bin/bash
# sshd AuthorizedKeysCommand for the Azure DevOps emulator (test only).
# Installed by LocalAzureDevOps.psm1 into a root-owned 0755 folder chain, with the
# emulator URL and the log file baked in below (sshd refuses a command that group/others could modify).
# sshd calls it as: authorized-keys-command.sh %t %k   (key type, base64 key blob)
# It prints the authorized_keys lines the emulator returns for a registered, valid key
# (each with a forced command), or nothing: an unknown key is then refused by sshd.
# sshd throws this command's standard error away and logs only "Failed publickey", so a failed ask (the emulator
# not answering, an HTTP error) is written to LOG_FILE beside sshd's own log: a refusal of a key the emulator holds
# then says why. A passing failure (a refused connection, a time-out, a 5xx under load) is asked again twice, so it
# is not taken for a refusal of the key.
EMULATOR_URL='@EMULATOR_URL@'
LOG_FILE='@LOG_FILE@'
started=${EPOCHREALTIME/./}   # microseconds, without starting date(1) on every call (bash 5)
/usr/bin/curl --silent --show-error --fail --max-time 10 --retry 2 --retry-delay 1 --retry-connrefused --get \
    --data-urlencode "type=${1-}" --data-urlencode "key=${2-}" \
    "$EMULATOR_URL/_test/ssh/authorized-keys" 2>>"$LOG_FILE"
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) curl exit $rc after $(( (${EPOCHREALTIME/./} - started) / 1000 )) ms asking $EMULATOR_URL for a ${1-} key" >>"$LOG_FILE"
fi
exit "$rc"
