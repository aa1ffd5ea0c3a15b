#!/bin/bash
# Forced command for keys registered in the Azure DevOps emulator (test only).
# authorized_keys line: command="forced-command.sh <userId> <authorizationId>",...
# Like the service: only git-upload-pack / git-receive-pack on v3/{org}/{project}/{repo}.
EMULATOR_URL='@EMULATOR_URL@'
auth_id="${2-}"
cmd="${SSH_ORIGINAL_COMMAND-}"
re="^(git-upload-pack|git-receive-pack|git upload-pack|git receive-pack) '([^']+)'\$"
if [[ ! "$cmd" =~ $re ]]; then
    echo "remote: Shell access is not supported." >&2
    exit 1
fi
verb="${BASH_REMATCH[1]}"
path="${BASH_REMATCH[2]}"
verb="${verb/git /git-}"
answer="$(/usr/bin/curl --silent --max-time 10 --get \
    --data-urlencode "authorizationId=$auth_id" --data-urlencode "path=$path" --data-urlencode "service=$verb" \
    --write-out '\n%{http_code}' "$EMULATOR_URL/_test/ssh/resolve")"
status="${answer##*$'\n'}"
body="${answer%$'\n'*}"
if [[ "$status" != "200" ]]; then
    if [[ -z "$body" ]]; then body="The Azure DevOps emulator did not answer (HTTP $status)."; fi
    echo "remote: $body" >&2
    exit 1
fi
exec "/usr/bin/$verb" "$body"
