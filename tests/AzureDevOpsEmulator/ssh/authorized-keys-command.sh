#!/bin/bash
# sshd AuthorizedKeysCommand for the Azure DevOps emulator (test only).
# Installed by LocalAzureDevOps.psm1 into a root-owned 0755 folder chain, with the
# emulator URL baked in below (sshd refuses a command that group/others could modify).
# sshd calls it as: authorized-keys-command.sh %t %k   (key type, base64 key blob)
# It prints the authorized_keys lines the emulator returns for a registered, valid key
# (each with a forced command), or nothing: an unknown key is then refused by sshd.
EMULATOR_URL='@EMULATOR_URL@'
exec /usr/bin/curl --silent --show-error --fail --max-time 10 --get \
    --data-urlencode "type=${1-}" --data-urlencode "key=${2-}" \
    "$EMULATOR_URL/_test/ssh/authorized-keys"
