#!/usr/bin/env pwsh
# Smoke test of the Azure DevOps emulator and its helper module. Exits non-zero on any failure.
# Run from the repository (after `dotnet tool restore`):  dotnet pwsh -NoProfile -File tests/AzureDevOpsEmulator/smoke.ps1
# -WithSsh needs root, openssh-server, git and curl.
[CmdletBinding()]
param([switch]$SkipSsh)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../TestHelpers/LocalAzureDevOps.psm1') -Force

$script:Failures = [System.Collections.Generic.List[string]]::new()
$script:Passed = 0
function Check {
    param([string]$Name, [bool]$Condition, [string]$Detail = '')
    if ($Condition) { $script:Passed++; Write-Host "  ok   $Name" }
    else { $script:Failures.Add($Name); Write-Host "  FAIL $Name $Detail" -ForegroundColor Red }
}

$work = Join-Path ([System.IO.Path]::GetTempPath()) ('pfa-ado-smoke-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
[void][System.IO.Directory]::CreateDirectory($work)
$ado = $null
$client = $null
try {
    $ado = Start-LocalAzureDevOps -WithSsh:(-not $SkipSsh)
    Write-Host "Emulator: $($ado.HttpUrl) $($ado.HttpsUrl) pid $($ado.Pid); sshd port $($ado.SshPort) pid $($ado.SshdPid)"

    # HTTP client trusting only the emulator's certificate, never following redirects.
    $pem = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -LiteralPath $ado.CertificatePath -Raw))
    $handler = [System.Net.Http.SocketsHttpHandler]::new()
    $handler.AllowAutoRedirect = $false
    $handler.UseProxy = $false
    # Trust exactly the emulator's certificate as the only root (no callback: it would run without a runspace).
    $policy = [System.Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
    $policy.TrustMode = [System.Security.Cryptography.X509Certificates.X509ChainTrustMode]::CustomRootTrust
    $policy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
    [void]$policy.CustomTrustStore.Add($pem)
    $handler.SslOptions.CertificateChainPolicy = $policy
    $client = [System.Net.Http.HttpClient]::new($handler)

    function Send {
        param([string]$Method = 'GET', [string]$Url, [hashtable]$Headers = @{}, [string]$Body, [string]$ContentType)
        $req = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), $Url)
        foreach ($k in $Headers.Keys) { [void]$req.Headers.TryAddWithoutValidation($k, [string]$Headers[$k]) }
        if ($PSBoundParameters.ContainsKey('Body')) {
            $req.Content = [System.Net.Http.StringContent]::new($Body, [System.Text.Encoding]::UTF8)
            $req.Content.Headers.ContentType = [System.Net.Http.Headers.MediaTypeHeaderValue]::Parse($ContentType)
        }
        $resp = $client.SendAsync($req).GetAwaiter().GetResult()
        $text = $resp.Content.ReadAsStringAsync().GetAwaiter().GetResult()
        $json = $null
        if ($resp.Content.Headers.ContentType -and $resp.Content.Headers.ContentType.MediaType -eq 'application/json' -and $text) {
            $json = $text | ConvertFrom-Json -AsHashtable
        }
        [pscustomobject]@{ Status = [int]$resp.StatusCode; Text = $text; Json = $json; Response = $resp }
    }
    function Header($r, $name) {
        $v = $null
        if ($r.Response.Headers.TryGetValues($name, [ref]$v)) { return ($v -join ',') }
        return $null
    }
    function Form([hashtable]$f) { ($f.GetEnumerator() | ForEach-Object { [uri]::EscapeDataString($_.Key) + '=' + [uri]::EscapeDataString([string]$_.Value) }) -join '&' }
    function Control($m, $p, $b) { if ($PSBoundParameters.ContainsKey('b')) { Invoke-LocalAzureDevOpsControl -Instance $ado -Method $m -Path $p -Body $b } else { Invoke-LocalAzureDevOpsControl -Instance $ado -Method $m -Path $p } }

    $H = $ado.HttpsUrl
    Write-Host 'Control API'
    $org = Control POST /_test/orgs @{ name = 'org1' }
    $null = Control POST /_test/orgs @{ name = 'locked'; sshKeysDisabled = $true }
    $repo = Control POST /_test/orgs/org1/repos @{ project = 'proj'; repo = 'repo' }
    Check 'repo created on disk' (Test-Path -LiteralPath (Join-Path $repo.path 'HEAD'))
    $callback = 'https://127.0.0.1:9/callback'
    $app = Control POST /_test/apps @{ name = 'Smoke CI'; callbackUrl = $callback; scopes = 'vso.code_write' }
    Check 'app has distinct secrets' ($app.clientSecret -and $app.appSecret -and $app.clientSecret -ne $app.appSecret)
    $httpApp = Control POST /_test/apps @{ name = 'Http app'; callbackUrl = 'http://127.0.0.1:9/cb'; scopes = 'vso.code_write' }

    Write-Host 'OAuth authorize'
    function AuthorizeUrl($clientId, $scope, $redirect, $responseType = 'Assertion', $state = 'st-123') {
        "$H/oauth2/authorize?client_id=$clientId&response_type=$responseType&state=$state&scope=$([uri]::EscapeDataString($scope))&redirect_uri=$([uri]::EscapeDataString($redirect))"
    }
    $page = Send -Url (AuthorizeUrl $app.id 'vso.code_write' $callback)
    Check 'consent page 200 over https (trusting only the emulator certificate)' ($page.Status -eq 200) $page.Status
    Check 'consent page shows app, user, accept and deny' ($page.Text -match 'Smoke CI' -and $page.Text -match 'Test User' -and $page.Text -match 'id="accept"' -and $page.Text -match 'id="deny"')
    Check 'unknown client => 400' ((Send -Url (AuthorizeUrl ([guid]::NewGuid()) 'vso.code_write' $callback)).Status -eq 400)
    Check 'wrong response_type => 400' ((Send -Url (AuthorizeUrl $app.id 'vso.code_write' $callback 'code')).Status -eq 400)
    Check 'wrong scope => 400' ((Send -Url (AuthorizeUrl $app.id 'vso.code' $callback)).Status -eq 400)
    Check 'wrong redirect_uri => 400' ((Send -Url (AuthorizeUrl $app.id 'vso.code_write' "$callback/x")).Status -eq 400)
    Check 'http callback refused (hosted)' ((Send -Url (AuthorizeUrl $httpApp.id 'vso.code_write' 'http://127.0.0.1:9/cb')).Status -eq 400)

    function Consent($pageText, $decision) {
        $id = [regex]::Match($pageText, 'name="consentId" value="([^"]+)"').Groups[1].Value
        Send -Method POST -Url "$H/oauth2/authorize" -Body (Form @{ consentId = $id; decision = $decision }) -ContentType 'application/x-www-form-urlencoded'
    }
    $accepted = Consent $page.Text 'accept'
    $location = [string]$accepted.Response.Headers.Location
    Check 'accept => 302 to callback with code and state' ($accepted.Status -eq 302 -and $location.StartsWith("${callback}?code=") -and $location.EndsWith('&state=st-123')) "$($accepted.Status) $location $($accepted.Text)"
    $code = [uri]::UnescapeDataString([regex]::Match($location, 'code=([^&]+)').Groups[1].Value)
    $denied = Consent (Send -Url (AuthorizeUrl $app.id 'vso.code_write' $callback)).Text 'deny'
    Check 'deny => 302 with error=access_denied' ($denied.Status -eq 302 -and [string]$denied.Response.Headers.Location -eq "${callback}?error=access_denied&state=st-123") ([string]$denied.Response.Headers.Location)

    Write-Host 'OAuth token'
    function TokenBody($secret, $grant, $assertion) {
        Form @{ client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'; client_assertion = $secret; grant_type = $grant; assertion = $assertion; redirect_uri = $callback }
    }
    $jwtGrant = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
    $null = Control DELETE /_test/counters
    $r = Send -Method POST -Url "$H/oauth2/token" -Body '{}' -ContentType 'application/json'
    Check 'token endpoint refuses JSON (400)' ($r.Status -eq 400)
    $r = Send -Method POST -Url "$H/oauth2/token" -Body (TokenBody $app.appSecret $jwtGrant $code) -ContentType 'application/x-www-form-urlencoded'
    Check 'app secret => invalid_client' ($r.Status -eq 400 -and $r.Json.Error -eq 'invalid_client') $r.Text
    $r = Send -Method POST -Url "$H/oauth2/token" -Body (TokenBody $app.clientSecret $jwtGrant $code) -ContentType 'application/x-www-form-urlencoded'
    Check 'client secret => tokens' ($r.Status -eq 200 -and $r.Json.access_token -and $r.Json.refresh_token) $r.Text
    Check 'token response shape (expires_in string, jwt-bearer, scope)' ($r.Text -match '"expires_in":"3599"' -and $r.Json.token_type -eq 'jwt-bearer' -and $r.Json.scope -eq 'vso.code_write') $r.Text
    $tokens = $r.Json
    $r = Send -Method POST -Url "$H/oauth2/token" -Body (TokenBody $app.clientSecret $jwtGrant $code) -ContentType 'application/x-www-form-urlencoded'
    Check 'code reuse => invalid_grant' ($r.Status -eq 400 -and $r.Json.Error -eq 'invalid_grant') $r.Text
    $r = Send -Method POST -Url "$H/oauth2/token" -Body (TokenBody $app.clientSecret 'refresh_token' $tokens.refresh_token) -ContentType 'application/x-www-form-urlencoded'
    Check 'refresh => new tokens' ($r.Status -eq 200 -and $r.Json.refresh_token -ne $tokens.refresh_token) $r.Text
    $refreshed = $r.Json
    $r = Send -Method POST -Url "$H/oauth2/token" -Body (TokenBody $app.clientSecret 'refresh_token' $tokens.refresh_token) -ContentType 'application/x-www-form-urlencoded'
    Check 'old refresh token refused (invalid_request)' ($r.Status -eq 400 -and $r.Json.Error -eq 'invalid_request') $r.Text
    # 20 concurrent refreshes with the same refresh token: exactly one wins.
    $tasks = 1..20 | ForEach-Object {
        $c = [System.Net.Http.StringContent]::new((TokenBody $app.clientSecret 'refresh_token' $refreshed.refresh_token), [System.Text.Encoding]::UTF8, 'application/x-www-form-urlencoded')
        $client.PostAsync("$H/oauth2/token", $c)
    }
    [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$tasks)
    $wins = @($tasks | Where-Object { [int]$_.Result.StatusCode -eq 200 })
    Check 'concurrent refreshes: exactly one succeeds' ($wins.Count -eq 1) $wins.Count
    $refreshed = $wins[0].Result.Content.ReadAsStringAsync().GetAwaiter().GetResult() | ConvertFrom-Json -AsHashtable
    $counters = Control GET /_test/counters
    Check 'counters per grant type' ($counters.authorizationCode -eq 3 -and $counters.refreshToken -eq 22 -and $counters.badContentType -eq 1) ($counters | ConvertTo-Json -Compress)

    Write-Host 'REST'
    $auth = @{ Authorization = "Bearer $($refreshed.access_token)" }
    $r = Send -Url "$H/_apis/profile/profiles/me?api-version=7.1" -Headers $auth
    Check 'profile with Bearer' ($r.Status -eq 200 -and $r.Json.displayName -eq 'Test User' -and $r.Json.id -and $r.Json.emailAddress -and $r.Json.publicAlias) $r.Text
    $r = Send -Url "$H/_apis/profile/profiles/me?api-version=7.1" -Headers @{ Authorization = "jwt-bearer $($refreshed.access_token)" }
    Check 'jwt-bearer scheme => 203' ($r.Status -eq 203 -and $r.Text -match '<html')
    $r = Send -Url "$H/org1/_apis/connectionData" -Headers @{ Authorization = 'Bearer nonsense' }
    Check 'bad token => 203 html' ($r.Status -eq 203 -and $r.Response.Content.Headers.ContentType.MediaType -eq 'text/html')
    $r = Send -Url "$H/org1/_apis/connectionData" -Headers @{ Authorization = 'Bearer nonsense'; 'X-TFS-FedAuthRedirect' = 'Suppress' }
    Check 'bad token + Suppress => 401 json' ($r.Status -eq 401 -and $r.Json.typeKey -eq 'UnauthorizedRequestException' -and $r.Json.ContainsKey('$id') -and $r.Json.message -like 'TF400813*') $r.Text
    $r = Send -Url "$H/org1/_apis/connectionData" -Headers $auth
    Check 'connectionData' ($r.Status -eq 200 -and $r.Json.instanceId -eq $org.instanceId -and $r.Json.authenticatedUser.providerDisplayName -eq 'Test User') $r.Text
    $r = Send -Url "$H/org1/proj/_apis/git/repositories?api-version=7.1" -Headers $auth
    $repoJson = if ($r.Json) { $r.Json.value[0] } else { $null }
    Check 'repositories' ($r.Status -eq 200 -and $repoJson.name -eq 'repo' -and $repoJson.defaultBranch -eq 'refs/heads/main' -and $repoJson.sshUrl -and $repoJson.webUrl -and $repoJson.project.name -eq 'proj') $r.Text

    Write-Host 'Faults'
    $null = Control POST /_test/faults @(@{ pathPrefix = '/org1/_apis/connectionData'; status = 429; count = 1; retryAfterSeconds = 2 })
    $r = Send -Url "$H/org1/_apis/connectionData" -Headers $auth
    Check '429 with Retry-After and X-RateLimit-*' ($r.Status -eq 429 -and (Header $r 'Retry-After') -eq '2' -and (Header $r 'X-RateLimit-Resource') -and (Header $r 'X-RateLimit-Delay') -and (Header $r 'X-RateLimit-Limit') -and (Header $r 'X-RateLimit-Remaining') -and (Header $r 'X-RateLimit-Reset') -and $r.Json.message -like 'TF400733*') $r.Text
    Check 'fault count honoured' ((Send -Url "$H/org1/_apis/connectionData" -Headers $auth).Status -eq 200)
    $null = Control POST /_test/faults @(@{ pathPrefix = '/org1'; status = 503; count = 1 }, @{ pathPrefix = '/_apis/profile'; delayMs = 700; count = 1 })
    Check '503 fault' ((Send -Url "$H/org1/_apis/connectionData" -Headers $auth).Status -eq 503)
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $r = Send -Url "$H/_apis/profile/profiles/me" -Headers $auth
    Check 'slow answer' ($r.Status -eq 200 -and $sw.ElapsedMilliseconds -ge 650) $sw.ElapsedMilliseconds
    $null = Control POST /_test/faults @{ pathPrefix = '/org1'; drop = $true; count = 1 }
    $dropped = $false
    try { $null = Send -Url "$H/org1/_apis/connectionData" -Headers $auth } catch { $dropped = $true }
    Check 'dropped connection' $dropped
    $null = Control DELETE /_test/faults

    Write-Host 'Entra ID'
    $tenant = Control POST /_test/entra/tenants @{ name = 'Smoke tenant' }
    $T = [string]$tenant.id
    $null = Control POST /_test/orgs @{ name = 'entraorg'; tenantId = $T }
    $r = Send -Method HEAD -Url "$H/entraorg"
    Check 'org URL names its tenant (X-VSS-ResourceTenant, authorization_uri)' ($r.Status -eq 203 -and (Header $r 'X-VSS-ResourceTenant') -eq $T -and (Header $r 'WWW-Authenticate') -match "authorization_uri=https://login.microsoftonline.com/$T") "$($r.Status) $(Header $r 'WWW-Authenticate')"
    $r = Send -Url "$H/$T/v2.0/.well-known/openid-configuration"
    Check 'openid-configuration' ($r.Status -eq 200 -and $r.Json.token_endpoint -eq "$H/$T/oauth2/v2.0/token" -and $r.Json.device_authorization_endpoint) $r.Text
    $r = Send -Url "$H/common/discovery/instance?api-version=1.1&authorization_endpoint=$([uri]::EscapeDataString("$H/$T/oauth2/v2.0/authorize"))"
    Check 'instance discovery' ($r.Status -eq 200 -and $r.Json.tenant_discovery_endpoint -eq "$H/$T/v2.0/.well-known/openid-configuration") $r.Text
    $r = Send -Url "$H/$T/discovery/v2.0/keys"
    Check 'signing keys (JWKS)' ($r.Status -eq 200 -and @($r.Json.keys).Count -eq 1 -and $r.Json.keys[0].kty -eq 'RSA') $r.Text
    $eapp = Control POST /_test/entra/apps @{ tenant = $T; name = 'Smoke Entra' }
    $escope = '499b84ac-1321-427f-aa17-267ca6975798/vso.code_write offline_access openid profile'
    $formType = 'application/x-www-form-urlencoded'
    $dc = Send -Method POST -Url "$H/$T/oauth2/v2.0/devicecode" -Body (Form @{ client_id = $eapp.clientId; scope = $escope }) -ContentType $formType
    Check 'device code' ($dc.Status -eq 200 -and $dc.Json.user_code -and $dc.Json.interval -ge 1 -and $dc.Json.expires_in -gt 0) $dc.Text
    $poll = { Send -Method POST -Url "$H/$T/oauth2/v2.0/token" -Body (Form @{ client_id = $eapp.clientId; grant_type = 'device_code'; device_code = $dc.Json.device_code }) -ContentType $formType }
    $r = & $poll
    Check 'pending poll => authorization_pending' ($r.Status -eq 400 -and $r.Json.error -eq 'authorization_pending') $r.Text
    $null = Control POST /_test/entra/devicecode/approve @{ userCode = $dc.Json.user_code }
    $r = & $poll
    Check 'approved => Bearer tokens, client_info, id_token' ($r.Status -eq 200 -and $r.Json.token_type -eq 'Bearer' -and $r.Json.refresh_token -and $r.Json.client_info -and $r.Json.id_token) $r.Text
    $etokens = $r.Json
    $r = Send -Url "$H/entraorg/_apis/connectionData" -Headers @{ Authorization = "Bearer $($etokens.access_token)" }
    Check 'Entra access token accepted by REST' ($r.Status -eq 200 -and $r.Json.authenticatedUser.providerDisplayName -eq 'Test User') $r.Text
    $null = Control POST /_test/orgs @{ name = 'otherorg'; tenantId = [guid]::NewGuid().ToString() }
    Check 'Entra token refused by an org of another tenant' ((Send -Url "$H/otherorg/_apis/connectionData" -Headers @{ Authorization = "Bearer $($etokens.access_token)"; 'X-TFS-FedAuthRedirect' = 'Suppress' }).Status -eq 401)
    $null = Control POST /_test/entra/errors @{ clientId = $eapp.clientId; grant = 'refresh_token'; code = 50076 }
    $r = Send -Method POST -Url "$H/$T/oauth2/v2.0/token" -Body (Form @{ client_id = $eapp.clientId; grant_type = 'refresh_token'; refresh_token = $etokens.refresh_token; scope = $escope }) -ContentType $formType
    Check 'injected AADSTS50076: invalid_grant, basic_action, claims, error_codes' ($r.Status -eq 400 -and $r.Json.error -eq 'invalid_grant' -and $r.Json.suberror -eq 'basic_action' -and $r.Json.claims -and $r.Json.error_codes[0] -eq 50076 -and $r.Json.error_description.StartsWith('AADSTS50076: ')) $r.Text
    $r = Send -Method POST -Url "$H/$T/oauth2/v2.0/token" -Body (Form @{ client_id = $eapp.clientId; grant_type = 'refresh_token'; refresh_token = $etokens.refresh_token; scope = $escope }) -ContentType $formType
    Check 'refresh token rotates' ($r.Status -eq 200 -and $r.Json -and $r.Json.refresh_token -ne $etokens.refresh_token) $r.Text
    $r = Send -Method POST -Url "$H/$T/oauth2/v2.0/token" -Body (Form @{ client_id = $eapp.clientId; grant_type = 'refresh_token'; refresh_token = $etokens.refresh_token; scope = $escope }) -ContentType $formType
    Check 'used refresh token refused (invalid_grant)' ($r.Status -eq 400 -and $r.Json.error -eq 'invalid_grant') $r.Text
    $sp = Control POST /_test/entra/apps @{ tenant = $T; confidential = $true }
    $r = Send -Method POST -Url "$H/$T/oauth2/v2.0/token" -Body (Form @{ client_id = $sp.clientId; client_secret = 'wrong'; grant_type = 'client_credentials'; scope = '499b84ac-1321-427f-aa17-267ca6975798/.default' }) -ContentType $formType
    Check 'wrong client secret => 401 AADSTS7000215' ($r.Status -eq 401 -and $r.Json.error -eq 'invalid_client' -and $r.Json.error_codes[0] -eq 7000215) $r.Text
    $r = Send -Method POST -Url "$H/$T/oauth2/v2.0/token" -Body (Form @{ client_id = $sp.clientId; client_secret = $sp.clientSecret; grant_type = 'client_credentials'; scope = '499b84ac-1321-427f-aa17-267ca6975798/.default' }) -ContentType $formType
    Check 'client credentials' ($r.Status -eq 200 -and $r.Json.access_token -and -not $r.Json.ContainsKey('refresh_token')) $r.Text
    $mi = Control POST /_test/entra/managed-identities @{ tenant = $T }
    $r = Send -Url "$($mi.identityEndpoint)?api-version=2019-08-01&resource=499b84ac-1321-427f-aa17-267ca6975798" -Headers @{ 'X-IDENTITY-HEADER' = $mi.identityHeader }
    Check 'managed identity (App Service style)' ($r.Status -eq 200 -and $r.Json.access_token -and $r.Json.expires_on -match '^\d+$' -and $r.Json.client_id -eq [string]$mi.clientId) $r.Text

    Write-Host 'SSH keys'
    $rsaKey = Join-Path $work 'id_rsa'
    $edKey = Join-Path $work 'id_ed25519'
    $otherKey = Join-Path $work 'id_other'
    & ssh-keygen -q -t rsa -b 2048 -N '' -C smoke -f $rsaKey
    & ssh-keygen -q -t rsa -b 2048 -N '' -C other -f $otherKey
    & ssh-keygen -q -t ed25519 -N '' -C smoke -f $edKey
    $rsaPub = (Get-Content -LiteralPath "$rsaKey.pub" -Raw).Trim()
    function AddKey($orgName, $publicData, $displayName = 'smoke key', $validTo = (Get-Date).ToUniversalTime().AddDays(30).ToString('o'), $instanceId = $org.instanceId) {
        $body = @{
            contributionIds     = @('ms.vss-token-web.personal-access-token-issue-session-token-provider')
            dataProviderContext = @{ properties = @{ displayName = $displayName; publicData = $publicData; validTo = $validTo; scope = 'app_token'; isPublic = $true; targetAccounts = @($instanceId) } }
        } | ConvertTo-Json -Depth 10 -Compress
        Send -Method POST -Url "$H/$orgName/_apis/Contribution/HierarchyQuery" -Headers ($auth + @{ Accept = 'application/json;api-version=5.0-preview.1' }) -Body $body -ContentType 'application/json'
    }
    $pid_ = 'ms.vss-token-web.personal-access-token-issue-session-token-provider'
    function ProviderError($r) { if ($r.Json -and $r.Json['dataProviderExceptions']) { $r.Json.dataProviderExceptions[$pid_] } else { $null } }
    $r = AddKey 'org1' $rsaPub -validTo '2099-01-01T00:00:00.000Z'
    $added = if ($r.Json) { $r.Json.dataProviders[$pid_] } else { $null }
    Check 'RSA key added' ($r.Status -eq 200 -and $added -and $added.authorizationId -and $added.publicData -eq $rsaPub -and $added.isPublic) $r.Text
    Check 'validTo shortened to one year' ($added -and ([datetime]$added.validTo).ToUniversalTime() -lt (Get-Date).ToUniversalTime().AddYears(1).AddDays(1)) $r.Text
    $e = ProviderError (AddKey 'org1' (Get-Content -LiteralPath "$edKey.pub" -Raw).Trim())
    Check 'ed25519 refused' ($e -and $e.message -like 'Invalid key:*Valid keys will start with "ssh-rsa".') ($e | ConvertTo-Json -Compress)
    $e = ProviderError (AddKey 'org1' $rsaPub)
    Check 'duplicate refused (duplicateHash)' ($e -and $e.sessionTokenError -eq 'duplicateHash' -and $e.message -match 'already in use') ($e | ConvertTo-Json -Compress)
    $lockedOrg = (Control GET /_test/orgs) | Where-Object name -EQ 'locked'
    $e = ProviderError (AddKey 'locked' (Get-Content -LiteralPath "$otherKey.pub" -Raw).Trim() -instanceId $lockedOrg.instanceId)
    Check 'policy disabled (sshPolicyDisabled)' ($e -and $e.sessionTokenError -eq 'sshPolicyDisabled' -and $e.message -eq 'SSH keys are disabled on this organization.') ($e | ConvertTo-Json -Compress)
    $e = ProviderError (AddKey 'org1' (Get-Content -LiteralPath $rsaKey -Raw))
    Check 'private key refused' ($e -and $e.message -like 'Invalid key:*')
    $e = ProviderError (AddKey 'org1' ((Get-Content -LiteralPath "$otherKey.pub" -Raw).Trim()) -displayName ('x' * 257))
    Check 'display name > 256 refused (invalidDisplayName)' ($e -and $e.sessionTokenError -eq 'invalidDisplayName')
    $e = ProviderError (AddKey 'org1' ((Get-Content -LiteralPath "$otherKey.pub" -Raw).Trim()) -instanceId ([guid]::NewGuid()))
    Check 'wrong targetAccounts refused' ($e -and $e.sessionTokenError -eq 'invalidTargetAccounts')
    $list = Send -Url "$($ado.HttpsUrl)/vssps/org1/_apis/Token/SessionTokens?isPublic=true&includePublicData=true&api-version=7.0-preview.1" -Headers $auth
    Check 'list keys' ($list.Status -eq 200 -and $list.Json.count -eq 1 -and $list.Json.value[0].publicData -eq $rsaPub) $list.Text

    if (-not $SkipSsh) {
        Write-Host 'Git over SSH'
        $knownHosts = Join-Path $work 'known_hosts'
        Set-Content -LiteralPath $knownHosts -Value $ado.SshKnownHostsLine
        $url = "ssh://$($ado.SshUser)@127.0.0.1:$($ado.SshPort)/v3/org1/proj/repo"
        Check 'repositories sshUrl points at the local sshd' ($repoJson.sshUrl -eq $url) $repoJson.sshUrl
        function SshCmd($key) { "ssh -F /dev/null -i $key -o IdentitiesOnly=yes -o UserKnownHostsFile=$knownHosts -o StrictHostKeyChecking=yes -o BatchMode=yes" }
        function GitWith($key) { $env:GIT_SSH_COMMAND = SshCmd $key; try { $out = & git @args 2>&1; [pscustomobject]@{ Code = $LASTEXITCODE; Out = ($out -join "`n") } } finally { Remove-Item Env:GIT_SSH_COMMAND } }
        $g = GitWith $rsaKey ls-remote $url
        Check 'registered key: git ls-remote' ($g.Code -eq 0 -and $g.Out -match 'refs/heads/main') $g.Out
        $env:GIT_SSH_COMMAND = "$(SshCmd $rsaKey) -p $($ado.SshPort)"
        try { $out = & git ls-remote "$($ado.SshUser)@127.0.0.1:v3/org1/proj/repo" 2>&1; $code = $LASTEXITCODE } finally { Remove-Item Env:GIT_SSH_COMMAND }
        Check 'registered key: scp-style path without leading /' ($code -eq 0 -and ($out -join "`n") -match 'refs/heads/main') ($out -join "`n")
        $clone = Join-Path $work 'clone'
        $g = GitWith $rsaKey clone --quiet $url $clone
        Check 'registered key: git clone' ($g.Code -eq 0 -and (Test-Path -LiteralPath (Join-Path $clone 'README.md'))) $g.Out
        if (Test-Path -LiteralPath $clone) {
            Set-Content -LiteralPath (Join-Path $clone 'pushed.txt') -Value 'hello'
            & git -C $clone add pushed.txt
            & git -C $clone -c user.name=smoke -c user.email=smoke@example.com commit --quiet -m 'smoke push'
            $g = GitWith $rsaKey -C $clone push --quiet origin main
            Check 'registered key: git push' ($g.Code -eq 0) $g.Out
        }
        $t = & ssh -F /dev/null -i $rsaKey -o IdentitiesOnly=yes -o UserKnownHostsFile=$knownHosts -o StrictHostKeyChecking=yes -o BatchMode=yes -p $ado.SshPort -T "$($ado.SshUser)@127.0.0.1" 2>&1
        Check 'ssh -T => Shell access is not supported' (($t -join "`n") -match 'remote: Shell access is not supported\.') ($t -join "`n")
        $g = GitWith $rsaKey ls-remote "ssh://$($ado.SshUser)@127.0.0.1:$($ado.SshPort)/v3/org1/proj/missing"
        Check 'missing repo => TF401019' ($g.Code -ne 0 -and $g.Out -match 'remote: TF401019') $g.Out
        $g = GitWith $otherKey ls-remote $url
        Check 'unregistered key fails' ($g.Code -ne 0) $g.Out
        # Expired key fails; then delete the key: fails too.
        $null = Control POST /_test/ssh/expire @{ authorizationId = $added.authorizationId }
        $g = GitWith $rsaKey ls-remote $url
        Check 'expired key fails' ($g.Code -ne 0) $g.Out
    }
    $del = Send -Method DELETE -Url "$($ado.HttpsUrl)/vssps/org1/_apis/Token/SessionTokens/$($added.authorizationId)?isPublic=true&api-version=5.0-preview.1" -Headers $auth
    Check 'delete key' ($del.Status -eq 204 -or $del.Status -eq 200) $del.Status
    $list = Send -Url "$($ado.HttpsUrl)/vssps/org1/_apis/Token/SessionTokens?isPublic=true&includePublicData=true&api-version=7.0-preview.1" -Headers $auth
    Check 'list after delete is empty' ($list.Json.count -eq 0) $list.Text
    if (-not $SkipSsh) {
        $g = GitWith $rsaKey ls-remote $url
        Check 'deleted key fails' ($g.Code -ne 0) $g.Out
        $r = AddKey 'org1' $rsaPub
        Check 'deleted key can be added again' ($r.Status -eq 200 -and $r.Json.dataProviders[$pid_]) $r.Text
        $g = GitWith $rsaKey ls-remote $url
        Check 're-added key works (and sees the pushed commit)' ($g.Code -eq 0 -and $g.Out -match 'refs/heads/main') $g.Out
    }

    Write-Host 'Policies, revocation, secrets'
    $null = Control POST /_test/orgs/org1/policies @{ thirdPartyOAuthDisabled = $true }
    $r = Send -Url "$H/org1/_apis/connectionData" -Headers $auth
    Check 'third-party OAuth disabled => 401 TF400813' ($r.Status -eq 401 -and $r.Json.message -like 'TF400813: The user*') $r.Text
    $null = Control POST /_test/orgs/org1/policies @{ thirdPartyOAuthDisabled = $false }
    $null = Control POST /_test/authorizations/revoke @{ appId = $app.id }
    $r = Send -Url "$H/_apis/profile/profiles/me" -Headers $auth
    Check 'revoked => 401' ($r.Status -eq 401) $r.Status
    $r = Send -Method POST -Url "$H/oauth2/token" -Body (TokenBody $app.clientSecret 'refresh_token' $refreshed.refresh_token) -ContentType 'application/x-www-form-urlencoded'
    Check 'revoked => refresh fails (invalid_request)' ($r.Status -eq 400 -and $r.Json.Error -eq 'invalid_request') $r.Text

    # New consent after revocation, then rotate the secret.
    $code2 = [uri]::UnescapeDataString([regex]::Match([string](Consent (Send -Url (AuthorizeUrl $app.id 'vso.code_write' $callback)).Text 'accept').Response.Headers.Location, 'code=([^&]+)').Groups[1].Value)
    $null = Control POST /_test/settings @{ accessTokenLifetimeSeconds = 2 }
    $r = Send -Method POST -Url "$H/oauth2/token" -Body (TokenBody $app.clientSecret $jwtGrant $code2) -ContentType 'application/x-www-form-urlencoded'
    Check 'consent again after revocation, short lifetime' ($r.Status -eq 200 -and $r.Json.expires_in -eq '2') $r.Text
    $t2 = $r.Json
    Start-Sleep -Milliseconds 2300
    Check 'expired access token => 203' ((Send -Url "$H/_apis/profile/profiles/me" -Headers @{ Authorization = "Bearer $($t2.access_token)" }).Status -eq 203)
    $null = Control POST /_test/settings @{ accessTokenLifetimeSeconds = 3599 }
    $r = Send -Method POST -Url "$H/oauth2/token" -Body (TokenBody $app.clientSecret 'refresh_token' $t2.refresh_token) -ContentType 'application/x-www-form-urlencoded'
    Check 'refresh after expiry' ($r.Status -eq 200) $r.Text
    $t3 = $r.Json
    $rotated = Control POST "/_test/apps/$($app.id)/rotate-secret"
    Check 'rotated secret differs' ($rotated.clientSecret -ne $app.clientSecret)
    Check 'token minted with old secret dies' ((Send -Url "$H/_apis/profile/profiles/me" -Headers @{ Authorization = "Bearer $($t3.access_token)"; 'X-TFS-FedAuthRedirect' = 'Suppress' }).Status -eq 401)
    $r = Send -Method POST -Url "$H/oauth2/token" -Body (TokenBody $app.clientSecret 'refresh_token' $t3.refresh_token) -ContentType 'application/x-www-form-urlencoded'
    Check 'old secret refused' ($r.Status -eq 400 -and $r.Json.Error -eq 'unauthorized_client') $r.Text
    $null = Control POST "/_test/apps/$($app.id)/expire-secret"
    $r = Send -Method POST -Url "$H/oauth2/token" -Body (TokenBody $rotated.clientSecret 'refresh_token' $t3.refresh_token) -ContentType 'application/x-www-form-urlencoded'
    Check 'expired secret => invalid_request' ($r.Status -eq 400 -and $r.Json.Error -eq 'invalid_request' -and $r.Json.ErrorDescription -match 'expired') $r.Text
}
catch {
    $script:Failures.Add("unexpected error: $_")
    Write-Host "  FAIL unexpected error: $_`n$($_.ScriptStackTrace)" -ForegroundColor Red
}
finally {
    if ($client) { $client.Dispose() }
    if ($ado) {
        Stop-LocalAzureDevOps -Instance $ado
        $left = @(@($ado.Pid, $ado.SshdPid) | Where-Object { $_ } | ForEach-Object { Get-Process -Id $_ -ErrorAction SilentlyContinue })
        Check 'no process left' ($left.Count -eq 0) ($left | Out-String)
        Check 'temporary folders removed' (-not (Test-Path -LiteralPath $ado.RunDirectory) -and -not ($ado.SshScriptDirectory -and (Test-Path -LiteralPath $ado.SshScriptDirectory)))
    }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}

Write-Host "$script:Passed passed, $($script:Failures.Count) failed"
if ($script:Failures.Count -gt 0) { exit 1 }
exit 0
