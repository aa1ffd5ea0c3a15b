#requires -Modules Pester
# Issue 9, the session side: sign-out leaves no MSAL cache behind (every flow, every replaced connection), Entra
# errors name the action that fixes that flow and keep the trace and correlation ids out of the one-line message,
# -ForceRefresh of a service principal calls Entra. Each sign-in runs in a child pwsh that trusts the emulator's
# certificate only through SSL_CERT_FILE. A child (a pwsh with the module and MSAL: about 1 CPU s) is the cost here, so
# a case's steps share one child where a fresh process is not what it checks. A Connect after a sign-out, or while
# connected, runs in the same child as the step before it: that child still holds everything the earlier step left in
# memory as well as on disk, so a cache the sign-out forgot (in memory or in the vault) would answer the wrong secret
# there too; the vault is also checked from this process. The next sign-in of a user after a sign-out gets a process
# of its own (the user's first sign-in ran in another), as does the worker's read of a token a child stored. The four
# service-principal cases need only a process that is not the worker: they share one child (Invoke-ChildParts), each
# in a state home of its own with its own principal.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
    $script:Session = Enter-TestSession -LocalAzureDevOps
    $script:Ado = $Session.Ado

    $script:Tenant = (Control POST '/_test/entra/tenants' @{ name = 'Contoso'; domain = 'contoso.test' }).id
    Control POST '/_test/orgs' @{ name = 'orgh'; tenantId = $Tenant } | Out-Null

    function script:New-PublicEntraApp {
        $app = Control POST '/_test/entra/apps' @{ tenant = $Tenant; name = 'PFA desktop'; public = $true }
        Register-PfaAzureDevOpsApp -Provider EntraId -InstanceUrl https://pfa.example.test -ClientId $app.clientId -TenantId $Tenant -AuthorizationServer $Ado.HttpsUrl `
            -Scope CurrentUser -Force -WarningAction SilentlyContinue
        $app
    }

    function script:Invoke-Child([string] $Script, [hashtable] $Environment = @{}) {
        $env = @{ SSL_CERT_FILE = $Ado.CertificatePath; PFA_AZUREDEVOPS_HOME = $env:PFA_AZUREDEVOPS_HOME; CI = 'true' }
        foreach ($k in $Environment.Keys) { $env[$k] = $Environment[$k] }
        Invoke-FreshPwsh -Script ("`$ErrorActionPreference = 'Stop'; Import-Module PfaAzureDevOps`n" + $Script) -Environment $env -TimeoutSeconds 180
    }

    function script:Get-ChildError([string] $Script) {
        Invoke-Child -Script "try { $Script; 'NOERROR' } catch { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'MSG=' + `$_.Exception.Message.Replace(`"`r`", '<CR>').Replace(`"`n`", '<LF>'); 'TRACE=' + `$_.Exception.TraceId; 'CORRELATION=' + `$_.Exception.CorrelationId }"
    }

    function script:Read-Value([object] $Result, [string] $Name) {
        $line = @($Result.Output | Where-Object { $_ -like "$Name=*" }) | Select-Object -First 1
        if ($line) { $line.Substring($Name.Length + 1) } else { $null }
    }

    function script:Wait-DeviceCode([string] $ClientId, [int] $Seconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            $pending = @(Control GET '/_test/entra/devicecode') | ForEach-Object { $_ } | Where-Object { $_.clientId -eq $ClientId -and $_.status -eq 'pending' }
            if ($pending) { return @($pending)[0].userCode }
            Start-Sleep -Milliseconds 200
        }
        $null
    }

    # Connect -UseDeviceCode in a job; approves the code when one is asked for. Code is $null when none was asked for.
    # -Before runs in the job before the sign-in, -After after it (their output lines are Before and After; an error
    # that stops either is a line ERR=<error id>): steps of the case that need no process of their own.
    function script:Connect-WithDeviceCode([string] $ClientId, [string] $UserEmail, [string] $Before = '', [string] $After = '') {
        $saved = $env:SSL_CERT_FILE
        $env:SSL_CERT_FILE = $Ado.CertificatePath
        try {
            $job = Start-Job -ScriptBlock {
                param($orgUrl, $before, $after)
                $env:CI = 'true'
                Import-Module PfaAzureDevOps
                function Invoke-Step([string] $Text) {
                    if (-not $Text) { return @() }
                    $ErrorActionPreference = 'Stop'
                    try { @(& ([scriptblock]::Create($Text)) | ForEach-Object { "$_" }) } catch { @('ERR=' + $_.FullyQualifiedErrorId.Split(',')[0]; 'MSG=' + $_.Exception.Message) }
                }
                $b = Invoke-Step $before
                $c = Connect-PfaAzureDevOps -UseDeviceCode -OrganizationUrl $orgUrl -PassThru -ErrorAction Stop -WarningAction SilentlyContinue
                [pscustomobject]@{ Connection = $c; Before = $b; After = (Invoke-Step $after) }
            } -ArgumentList "$($Ado.HttpsUrl)/orgh", $Before, $After
        }
        finally { $env:SSL_CERT_FILE = $saved }
        try {
            $code = Wait-DeviceCode $ClientId 30
            if ($code) {
                $approve = @{ userCode = $code }
                if ($UserEmail) { $approve.user = $UserEmail }
                Control POST '/_test/entra/devicecode/approve' $approve | Out-Null
            }
            $null = Wait-Job $job -Timeout 120
            $out = @(Receive-Job $job -ErrorVariable jobErrors -ErrorAction SilentlyContinue)
            $result = @($out)[0]
            $lines = if ($result) { @($result.Before) + @($result.After) } else { @() }
            [pscustomobject]@{ Code = $code; Connection = $(if ($result) { $result.Connection }); Output = $lines; Text = ($lines -join "`n"); Errors = @($jobErrors) }
        }
        finally { Remove-Job $job -Force }
    }

    function script:New-ServicePrincipal { Control POST '/_test/entra/apps' @{ tenant = $Tenant; name = 'Agent'; confidential = $true } }

    function script:Connect-ServicePrincipalText($Sp, [string] $Secret) {
        "Connect-PfaAzureDevOps -ServicePrincipal -ClientId $($Sp.clientId) -TenantId $Tenant -ClientSecret (ConvertTo-SecureString '$Secret' -AsPlainText -Force) -WarningAction SilentlyContinue"
    }

    function script:Get-MsalCacheFiles { @(Get-ChildItem (Join-Path $env:PFA_AZUREDEVOPS_HOME 'CurrentUser/secrets') -Filter 'entra-msal-*' -ErrorAction Ignore) }

    # Four service-principal cases below need a process that is not this one, but not one each: their steps run in
    # ONE child (Invoke-ChildParts), each part in a state home of its own with its own application and principal (so
    # nothing one part leaves in MSAL's memory can serve another), each wrapped as Get-ChildError wraps a script (an
    # error that stops it: ERR=, MSG= ...; its end: NOERROR). $Parts.<name> is what a part printed (Output, Text).
    function script:Invoke-ChildParts([object[]] $List) {
        $text = foreach ($part in $List) {
            "'##PART=$($part.Name)'"
            "`$env:PFA_AZUREDEVOPS_HOME = '$($part.Home)'"
            "try { $($part.Script); 'NOERROR' } catch { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'MSG=' + `$_.Exception.Message.Replace(`"`r`", '<CR>').Replace(`"`n`", '<LF>'); 'TRACE=' + `$_.Exception.TraceId; 'CORRELATION=' + `$_.Exception.CorrelationId }"
        }
        $run = Invoke-Child -Script ($text -join "`n")
        $lines = @{}
        $name = $null
        foreach ($line in $run.Output) {
            if ($line -match '^##PART=(.+)$') { $name = $Matches[1]; $lines[$name] = [System.Collections.Generic.List[string]]::new(); continue }
            if ($null -ne $name) { $lines[$name].Add($line) }
        }
        $results = @{}
        foreach ($part in $List) {
            $output = if ($lines.ContainsKey($part.Name)) { @($lines[$part.Name]) } else { @() }
            $results[$part.Name] = [pscustomobject]@{ Output = $output; Text = $(if ($output.Count) { $output -join "`n" } else { "(the part never started; the child printed:)`n$($run.Text)" }) }
        }
        $results
    }

    $list = [System.Collections.Generic.List[object]]::new()
    $calls = "[int](Invoke-RestMethod -Uri '$($Ado.HttpUrl)/_test/entra/counters' -NoProxy).'token:client_credentials'"

    # Sign-out: connect, count the cache, sign out, count again, then Connect with a wrong secret, Entra's token calls
    # counted around it (the process that signed out still holds whatever the connection left in memory).
    $script:SignOutHome = New-TestStateHome
    New-PublicEntraApp | Out-Null
    $sp = New-ServicePrincipal
    $count = "@(Get-ChildItem (Join-Path `$env:PFA_AZUREDEVOPS_HOME 'CurrentUser/secrets') -Filter 'entra-msal-*').Count"
    $list.Add(@{ Name = 'signout'; Home = $SignOutHome; Script = (Connect-ServicePrincipalText $sp $sp.clientSecret) + "`n'CACHED=' + $count`nDisconnect-PfaAzureDevOps -Force`n'AFTER=' + $count`n`$before = $calls`ntry { " +
            (Connect-ServicePrincipalText $sp 'wrong-secret-7') + " } finally { 'CALLS=' + ($calls - `$before) }" })

    # Connected, and then (the principal's token in memory and in the vault) the wrong secret.
    $script:ConnectedHome = New-TestStateHome
    New-PublicEntraApp | Out-Null
    $sp = New-ServicePrincipal
    $list.Add(@{ Name = 'connected'; Home = $ConnectedHome; Script = (Connect-ServicePrincipalText $sp $sp.clientSecret) + "`n'CONNECTED=' + (Get-PfaAzureDevOpsConnection).Flow`n" + (Connect-ServicePrincipalText $sp 'wrong-secret-8') })

    # AADSTS7000215: the wrong secret, then the right one; then the same refusal on renewal (the secret was rotated in
    # Entra: the error set from the child once it is connected, for this principal only). Lines RENEW* are the renewal's.
    $script:SecretHome = New-TestStateHome
    New-PublicEntraApp | Out-Null
    $sp = New-ServicePrincipal
    $rotate = "`$null = Invoke-RestMethod -Method Post -Uri '$($Ado.HttpUrl)/_test/entra/errors' -NoProxy -ContentType 'application/json' -Body '{`"code`":7000215,`"grant`":`"client_credentials`",`"clientId`":`"$($sp.clientId)`",`"count`":-1}'"
    $list.Add(@{ Name = 'secret'; Home = $SecretHome; Script = (Connect-ServicePrincipalText $sp 'wrong-secret-9') + " } catch { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'MSG=' + `$_.Exception.Message }; try { " + (Connect-ServicePrincipalText $sp $sp.clientSecret) +
            "; 'CONNECTED'`n$rotate`n`$null = Get-PfaAzureDevOpsAccessToken -ForceRefresh } catch { 'RENEWERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'RENEWMSG=' + `$_.Exception.Message }; try { " })

    # -ForceRefresh: connect, get the token, then force a refresh, Entra's call counter read between the steps; only the
    # forced token's SHA-256 is printed (never a token).
    $script:ForceHome = New-TestStateHome
    New-PublicEntraApp | Out-Null
    $sp = New-ServicePrincipal
    $list.Add(@{ Name = 'force'; Home = $ForceHome; Script = @"
$(Connect-ServicePrincipalText $sp $sp.clientSecret)
function Get-Calls { $calls }
`$before = Get-Calls
`$a = Get-PfaAzureDevOpsAccessToken -AsPlainText
'PLAIN=' + ((Get-Calls) - `$before)
`$b = Get-PfaAzureDevOpsAccessToken -ForceRefresh -AsPlainText
'FORCED=' + ((Get-Calls) - `$before)
'SAME=' + (`$a -eq `$b)
'HASH=' + [BitConverter]::ToString([Security.Cryptography.SHA256]::Create().ComputeHash([Text.Encoding]::UTF8.GetBytes(`$b)))
"@ })

    $script:Parts = Invoke-ChildParts $list
}

AfterAll { Exit-TestSession }

Describe 'Sign-out leaves no MSAL cache (issue 9, item 6)' {
    BeforeEach { Control DELETE '/_test/entra/errors' | Out-Null }

    It 'after Disconnect of a service principal, Connect with a wrong secret asks Entra and fails' {
        $e = $Parts.signout   # run in the file's BeforeAll (one child for four cases)
        $env:PFA_AZUREDEVOPS_HOME = $SignOutHome
        Read-Value $e 'CACHED' | Should -BeGreaterThan 0 -Because "the connected principal had an MSAL cache to remove ($($e.Text))"
        Read-Value $e 'AFTER' | Should -Be '0' -Because 'Disconnect removes it'
        Get-MsalCacheFiles | Should -BeNullOrEmpty
        Read-Value $e 'ERR' | Should -Be 'EntraInvalidClientSecret' -Because $e.Text
        Read-Value $e 'CALLS' | Should -Be '1' -Because 'the wrong secret is put to Entra, not answered from a cache'
    }

    It 'Connect -ServicePrincipal checks the secret with Entra even while the same principal is connected' {
        $e = $Parts.connected   # run in the file's BeforeAll (one child for four cases)
        Read-Value $e 'CONNECTED' | Should -Be 'ServicePrincipal' -Because $e.Text
        Read-Value $e 'ERR' | Should -Be 'EntraInvalidClientSecret' -Because $e.Text
    }

    It 'a user replaced by a service principal, then Disconnect: the next device-code Connect asks for a code' {
        New-TestStateHome | Out-Null
        $app = New-PublicEntraApp
        $first = Connect-WithDeviceCode -ClientId $app.clientId
        $first.Errors | Should -BeNullOrEmpty
        $first.Code | Should -Not -BeNullOrEmpty
        @(Get-MsalCacheFiles | Where-Object Name -like 'entra-msal-user-*') | Should -Not -BeNullOrEmpty -Because 'the signed-in user has an MSAL cache'
        $sp = New-ServicePrincipal
        # A new process (the user signed in in another) connects the principal, counts the user's cache files left,
        # signs out and counts every MSAL cache file; then the same process signs in with a device code again.
        $count = "@(Get-ChildItem (Join-Path `$env:PFA_AZUREDEVOPS_HOME 'CurrentUser/secrets') -Filter 'entra-msal-*"
        $again = Connect-WithDeviceCode -ClientId $app.clientId -Before ((Connect-ServicePrincipalText $sp $sp.clientSecret) +
            " -ErrorAction Stop`n'USERCACHE=' + $count" + "user-*').Count`nDisconnect-PfaAzureDevOps -Force -ErrorAction Stop`n'ALLCACHE=' + $count" + "').Count")
        Read-Value $again 'ERR' | Should -BeNullOrEmpty -Because $again.Text
        Read-Value $again 'USERCACHE' | Should -Be '0' -Because "the replaced user's cache goes with the connection ($($again.Text))"
        Read-Value $again 'ALLCACHE' | Should -Be '0' -Because 'Disconnect leaves no MSAL cache'
        $again.Code | Should -Not -BeNullOrEmpty -Because 'no silent sign-in as the first user'
        $again.Errors | Should -BeNullOrEmpty
    }
}

Describe 'Entra error messages (issue 9, items 7 and 8)' {
    BeforeEach { Control DELETE '/_test/entra/errors' | Out-Null }

    It 'AADSTS7000215 for a service principal names Connect -ServicePrincipal, not Set-PfaAzureDevOpsApp' {
        $e = $Parts.secret   # run in the file's BeforeAll (one child for four cases)
        Read-Value $e 'ERR' | Should -Be 'EntraInvalidClientSecret' -Because $e.Text
        $message = Read-Value $e 'MSG'
        $message | Should -Not -Match 'Set-PfaAzureDevOpsApp'
        $message | Should -Match 'Connect-PfaAzureDevOps -ServicePrincipal'
        @($e.Output) -contains 'CONNECTED' | Should -BeTrue -Because "the right secret connects ($($e.Text))"
        $renew = [pscustomobject]@{ Output = @($e.Output | Where-Object { $_ -like 'RENEW*' } | ForEach-Object { $_.Substring(5) }); Text = $e.Text }
        Read-Value $renew 'ERR' | Should -Be 'EntraInvalidClientSecret' -Because $renew.Text
        Read-Value $renew 'MSG' | Should -Match 'Connect-PfaAzureDevOps -ServicePrincipal'
        Read-Value $renew 'MSG' | Should -Not -Match 'Set-PfaAzureDevOpsApp'
    }

    It 'Trace ID, Correlation ID and Timestamp (CR LF separated, as Entra sends them) stay out of the message, in properties and -Verbose' {
        New-TestStateHome | Out-Null
        $app = New-PublicEntraApp
        # Signed in with a device code, the refresh refused (the error set from the job once it is connected); the
        # error's properties, then (the same refusal again, in the same process) what -Verbose shows.
        $refuse = "`$null = Invoke-RestMethod -Method Post -Uri '$($Ado.HttpUrl)/_test/entra/errors' -NoProxy -ContentType 'application/json' -Body '{`"code`":50173,`"grant`":`"refresh_token`",`"clientId`":`"$($app.clientId)`",`"count`":-1}'"
        $e = Connect-WithDeviceCode -ClientId $app.clientId -After ("$refuse`ntry { Get-PfaAzureDevOpsAccessToken -ForceRefresh; 'NOERROR' } catch { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'MSG=' + `$_.Exception.Message.Replace(`"``r`", '<CR>').Replace(`"``n`", '<LF>'); 'TRACE=' + `$_.Exception.TraceId; 'CORRELATION=' + `$_.Exception.CorrelationId }`n" +
            "try { Get-PfaAzureDevOpsAccessToken -ForceRefresh -Verbose 4>&1 } catch { 'ERR2=' + `$_.FullyQualifiedErrorId.Split(',')[0] }")
        $e.Errors | Should -BeNullOrEmpty
        $e.Connection | Should -Not -BeNullOrEmpty -Because $e.Text
        Read-Value $e 'ERR' | Should -Be 'EntraInteractionRequired' -Because $e.Text
        $message = Read-Value $e 'MSG'
        $message | Should -Match 'revoked'
        $message | Should -Not -Match 'Trace ID|Correlation ID|Timestamp|<CR>|<LF>'
        Read-Value $e 'TRACE' | Should -Match '^[0-9a-f-]{36}$'
        Read-Value $e 'CORRELATION' | Should -Match '^[0-9a-f-]{36}$'
        $e.Text | Should -Match 'Trace ID: [0-9a-f-]{36}'
        $e.Text | Should -Match 'Correlation ID: [0-9a-f-]{36}'
    }
}

Describe '-ForceRefresh of a service principal (issue 9, item 9)' {
    It 'makes a token call and returns a new token; a new process reuses the stored token without calling Entra' {
        $r = $Parts.force   # run in the file's BeforeAll (one child for four cases)
        $r.Output | Should -Contain 'NOERROR' -Because $r.Text
        $env:PFA_AZUREDEVOPS_HOME = $ForceHome
        Read-Value $r 'PLAIN' | Should -Be '0' -Because 'a valid token needs no call'
        Read-Value $r 'FORCED' | Should -Be '1' -Because '-ForceRefresh makes one token call'
        Read-Value $r 'SAME' | Should -Be 'False'
        $childHash = Read-Value $r 'HASH'
        $childHash | Should -Match '^[0-9A-F]{2}(-[0-9A-F]{2}){31}$' -Because $r.Text
        # The worker is a new process for this state (it never held this connection's token in memory): its plain
        # call must read the token the child stored, not ask Entra again (the child's PLAIN=0 is met by the
        # in-process cache alone, so this is the only check that the token is persisted and read back).
        $calls = [int](Control GET '/_test/entra/counters').'token:client_credentials'
        $token = Get-PfaAzureDevOpsAccessToken -AsPlainText
        $hash = [BitConverter]::ToString([Security.Cryptography.SHA256]::Create().ComputeHash([Text.Encoding]::UTF8.GetBytes($token)))
        $token = $null
        $hash | Should -Be $childHash -Because 'the new process returns the token the child stored'
        [int](Control GET '/_test/entra/counters').'token:client_credentials' | Should -Be $calls -Because 'a valid stored token needs no call to Entra'
    }
}
