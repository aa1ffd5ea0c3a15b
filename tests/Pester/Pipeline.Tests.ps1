#requires -Modules Pester
# Pipeline-grade behaviour (issue 10, and issue 9 item 14): no prompt and no hang where nobody can answer,
# -WhatIf previews there, -Debug does not turn warnings into prompts, and Connect-PfaAzureDevOps -AccessToken
# needs no registered application. Each session under test is a fresh pwsh started WITHOUT -NonInteractive (unless
# the case says so), with standard input at end of file or an open pipe that never writes, bounded by a timeout.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
    $script:Session = Enter-TestSession -LocalAzureDevOps
    $script:Ado = $Session.Ado
    $null = Control POST '/_test/orgs' @{ name = 'pipe' }
    $script:OrgUrl = "$($Ado.HttpUrl)/pipe"

    function script:New-BearerToken { (Control POST '/_test/tokens' @{}).accessToken }

    # A pwsh child whose standard input is at end of file ('eof') or an open pipe nobody writes to ('pipe').
    # Killed (by its own PID) after TimeoutSeconds; TimedOut says so.
    function script:Invoke-Child {
        param(
            [Parameter(Mandatory)] [string] $Script,
            [ValidateSet('eof', 'pipe')] [string] $Stdin = 'eof',
            [hashtable] $Environment = @{ CI = 'true' },
            [string[]] $PwshArguments = @(),
            [int] $TimeoutSeconds = 60
        )
        $file = Join-Path ([IO.Path]::GetTempPath()) ('pfa-pipe-' + [guid]::NewGuid().ToString('N') + '.ps1')
        Set-Content -Path $file -Encoding utf8 -Value ("Import-Module PfaAzureDevOps`n" + $Script)
        $psi = [Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME 'pwsh'))
        foreach ($a in @('-NoProfile') + $PwshArguments + @('-File', $file)) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        foreach ($k in 'CI', 'TF_BUILD') { [void]$psi.Environment.Remove($k) }
        foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
        $p = [Diagnostics.Process]::Start($psi)
        try {
            if ($Stdin -eq 'eof') { $p.StandardInput.Close() }
            $out = $p.StandardOutput.ReadToEndAsync()
            $err = $p.StandardError.ReadToEndAsync()
            $exited = $p.WaitForExit($TimeoutSeconds * 1000)
            if (-not $exited) { $p.Kill($true); $p.WaitForExit() }
            $text = $out.GetAwaiter().GetResult() + $err.GetAwaiter().GetResult()
            [pscustomobject]@{ TimedOut = -not $exited; ExitCode = $p.ExitCode; Text = $text; Output = @($text -split "`r?`n") }
        }
        finally {
            if ($Stdin -eq 'pipe') { try { $p.StandardInput.Close() } catch { } }
            $p.Dispose()
            Remove-Item $file -Force -ErrorAction Ignore
        }
    }

    function script:Read-Values([object] $Result, [string] $Name) {
        @($Result.Output | Where-Object { $_ -like "$Name=*" } | ForEach-Object { $_.Substring($Name.Length + 1).Trim() })
    }

    # An RSA 2048 key (ssh-keygen, a few milliseconds) imported as the user's key: the key's size is not what these
    # tests are about, and generating one costs up to seconds of CPU.
    function script:Import-TestRsaKey {
        $file = Join-Path $env:PFA_AZUREDEVOPS_HOME ('id_rsa_' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        & ssh-keygen -q -t rsa -b 2048 -N '' -C 'pfa test key' -f $file
        if ($LASTEXITCODE) { throw "ssh-keygen failed ($LASTEXITCODE)" }
        $null = Import-PfaSshKey -Path $file -Force -WarningAction SilentlyContinue -InformationAction SilentlyContinue
    }

    # A registration (Azure DevOps OAuth, instance callback not on this machine), an RSA key, a connection made with
    # a supplied token (no app needed) and that key added to the organization. Returns the key's id there.
    function script:New-FullState {
        New-TestStateHome | Out-Null
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.test' -ClientId ([guid]::NewGuid()) -ClientSecret (ConvertTo-SecureString 'not-used' -AsPlainText -Force) `
            -AuthorizationServer $Ado.HttpUrl -Scope CurrentUser -WarningAction SilentlyContinue
        Import-TestRsaKey
        Connect-PfaAzureDevOps -AccessToken (ConvertTo-SecureString (New-BearerToken) -AsPlainText -Force) -OrganizationUrl $OrgUrl -WarningAction SilentlyContinue
        (Add-AzDevOpsSshKey -PassThru -WarningAction SilentlyContinue).Id
    }

    function script:Test-KeyDeleted([guid] $Id) {
        $keys = @(Control GET '/_test/ssh/keys') | ForEach-Object { $_ }
        [bool](@($keys | Where-Object { "$($_.authorizationId)" -eq "$Id" -and $_.deleted }).Count)
    }

    # The -Debug case's steps (the last call, same session: -WarningAction still rules when given).
    $script:DebugSteps = "New-PfaSshKey -KeyType Ed25519 -Debug -Confirm:`$false -ErrorAction Stop 3>&1 | Where-Object { `$_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object { 'WARN=' + `$_ }; New-PfaSshKey -KeyType Ed25519 -Force -Debug -ErrorAction Stop 3>&1 | Out-Null; 'KEY=' + (Get-PfaSshPublicKey).KeyType; New-PfaSshKey -KeyType Ed25519 -Force -Debug -WarningAction SilentlyContinue 3>&1 | Where-Object { `$_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object { 'SILENCED=' + `$_ }; 'DONE'"
    $script:ConfirmingCommands = "foreach (`$c in { Remove-PfaSshKey -ErrorAction Stop }, { Unregister-PfaAzureDevOpsApp -ErrorAction Stop }, { Remove-AzDevOpsSshKey -Id `$args[0] -ErrorAction Stop }) { try { & `$c `$args[0]; 'RESULT=NOERROR' } catch { 'RESULT=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'MESSAGE=' + `$_.Exception.Message } }"
}

AfterAll { Exit-TestSession }

Describe 'Confirmation where nobody can answer' {
    Context 'four sessions that cannot answer, against one state (each must leave it as it was)' {
        BeforeAll {
            $script:FullStateHome = $null
            $script:KeyId = New-FullState
            $script:FullStateHome = $env:PFA_AZUREDEVOPS_HOME
        }

        It 'Remove-PfaSshKey, Unregister-PfaAzureDevOpsApp and Remove-AzDevOpsSshKey fail at once with ConfirmationRequired (<Case>) and change nothing' -ForEach @(
            @{ Case = 'CI=true, standard input at end of file'; Stdin = 'eof'; Environment = @{ CI = 'true' }; Arguments = @() }
            @{ Case = 'CI=true, standard input an open pipe that never writes'; Stdin = 'pipe'; Environment = @{ CI = 'true' }; Arguments = @() }
            @{ Case = 'TF_BUILD=True, open pipe'; Stdin = 'pipe'; Environment = @{ TF_BUILD = 'True' }; Arguments = @() }
            @{ Case = '-NonInteractive'; Stdin = 'eof'; Environment = @{}; Arguments = @('-NonInteractive'); ThenDebug = $true }
        ) {
            $id = $KeyId
            $script = $ConfirmingCommands.Replace('$args[0]', "'$id'")
            if ($ThenDebug) {
                # The -Debug case below needs this very session (-NonInteractive, standard input at end of file, no CI):
                # its steps run after these, in a state home of their own, their lines after ##DEBUG.
                $debugHome = New-TestStateHome
                $script += "`n'##DEBUG'`n`$env:PFA_AZUREDEVOPS_HOME = '$debugHome'`n$DebugSteps"
            }
            $env:PFA_AZUREDEVOPS_HOME = $FullStateHome
            $r = Invoke-Child -Script $script -Stdin $Stdin -Environment $Environment -PwshArguments $Arguments -TimeoutSeconds 60
            if ($ThenDebug) {
                $at = [array]::IndexOf($r.Output, '##DEBUG')
                $after = if ($at -ge 0) { @($r.Output[($at + 1)..($r.Output.Count - 1)]) } else { @() }
                $script:DebugRun = [pscustomobject]@{ TimedOut = $r.TimedOut; Output = $after; Text = ($after -join "`n") }
                $r = [pscustomobject]@{ TimedOut = $r.TimedOut; Output = @(if ($at -ge 0) { $r.Output[0..($at - 1)] } else { $r.Output }); Text = $r.Text }
            }
            $r.TimedOut | Should -BeFalse -Because 'a confirmation nobody can answer must not wait'
            Read-Values $r 'RESULT' | Should -Be @('ConfirmationRequired', 'ConfirmationRequired', 'ConfirmationRequired') -Because $r.Text
            foreach ($m in Read-Values $r 'MESSAGE') { $m | Should -Match '-Force \(or -Confirm:\$false\)' }
            $r.Text | Should -Not -Match 'UnexpectedError|Object reference'
            # Nothing changed.
            (Get-PfaSshPublicKey).KeyType | Should -Be 'Rsa'
            (Get-PfaAzureDevOpsApp).Scope | Should -Be 'CurrentUser'
            Test-KeyDeleted $id | Should -BeFalse
        }
        }

    Context 'one session (CI=true, standard input an open pipe) used three times, each with its own state home' {
        BeforeAll {
            $script:EmptyHome = New-TestStateHome
            $script:WhatIfKeyId = New-FullState
            $script:WhatIfHome = $env:PFA_AZUREDEVOPS_HOME
            $script:RegisteredHome = New-TestStateHome
            Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.test' -ClientId ([guid]::NewGuid()) -ClientSecret (ConvertTo-SecureString 'x' -AsPlainText -Force) `
                -AuthorizationServer $Ado.HttpUrl -Scope CurrentUser -WarningAction SilentlyContinue
            # Each part in its own scope (the lower $ConfirmPreference stays in the first); an error that stops a part is
            # printed as FAILED= and the next part still runs.
            $r = Invoke-Child -Stdin pipe -Script @"
'##SECTION=confirm'
`$env:PFA_AZUREDEVOPS_HOME = '$EmptyHome'
try { & {
    try { New-PfaSshKey -KeyType Ed25519 -Confirm -ErrorAction Stop; 'R=NOERROR' } catch { 'R=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'M=' + `$_.Exception.Message }
    `$ConfirmPreference = 'Medium'
    try { New-PfaSshKey -KeyType Ed25519 -ErrorAction Stop; 'R=NOERROR' } catch { 'R=' + `$_.FullyQualifiedErrorId.Split(',')[0] }
    'KEY=' + [bool](Get-PfaSshPublicKey -ErrorAction SilentlyContinue)
} } catch { 'FAILED=' + `$_ }
'##SECTION=whatif'
`$env:PFA_AZUREDEVOPS_HOME = '$WhatIfHome'
try { & {
    Remove-AzDevOpsSshKey -Id '$WhatIfKeyId' -WhatIf
    Remove-PfaSshKey -WhatIf
    Unregister-PfaAzureDevOpsApp -WhatIf
    'AFTERWHATIF=' + [bool](Get-PfaSshPublicKey) + [bool](Get-PfaAzureDevOpsApp)
    Remove-AzDevOpsSshKey -Id '$WhatIfKeyId' -Confirm:`$false -ErrorAction Stop
    Remove-PfaSshKey -Force -ErrorAction Stop
    Unregister-PfaAzureDevOpsApp -Confirm:`$false -ErrorAction Stop
    'KEY=' + [bool](Get-PfaSshPublicKey -ErrorAction SilentlyContinue)
    'APP=' + [bool](Get-PfaAzureDevOpsApp -ErrorAction SilentlyContinue)
} } catch { 'FAILED=' + `$_ }
'##SECTION=connect'
`$env:PFA_AZUREDEVOPS_HOME = '$RegisteredHome'
try { & {
    Connect-PfaAzureDevOps -WhatIf -ErrorAction Stop
    Connect-PfaAzureDevOps -Organization pipe -WhatIf -ErrorAction Stop
    'CONNECTED=' + [bool](Get-PfaAzureDevOpsConnection -ErrorAction SilentlyContinue)
} } catch { 'FAILED=' + `$_ }
"@
            $script:OneSession = $r
            $script:Sections = @{}
            $name = $null
            foreach ($line in $r.Output) {
                if ($line -match '^##SECTION=(.+)$') { $name = $Matches[1]; $Sections[$name] = [System.Collections.Generic.List[string]]::new(); continue }
                if ($null -ne $name) { $Sections[$name].Add($line) }
            }
            function script:Get-Section([string] $Name) {
                $lines = if ($Sections.ContainsKey($Name)) { @($Sections[$Name]) } else { @() }
                [pscustomobject]@{ Output = $lines; Text = if ($lines) { $lines -join "`n" } else { "(no $Name part; the session printed:)`n$($OneSession.Text)" } }
            }
        }

        It 'an explicit -Confirm and a lower $ConfirmPreference fail the same way for a Medium-impact cmdlet' {
            $OneSession.TimedOut | Should -BeFalse
            $r = Get-Section confirm
            Read-Values $r 'R' | Should -Be @('ConfirmationRequired', 'ConfirmationRequired') -Because $r.Text
            # New-PfaSshKey's -Force means "replace", not "do not ask": its message names -Confirm:$false only.
            @(Read-Values $r 'M')[0] | Should -Match 'add -Confirm:\$false; to see what it would do, add -WhatIf'
            Read-Values $r 'KEY' | Should -Be 'False'
        }

        It '-Force, -Confirm:$false and -WhatIf work in the same session: previews change nothing, the others go ahead' {
            $OneSession.TimedOut | Should -BeFalse
            $r = Get-Section whatif
            @($r.Output -like 'What if:*').Count | Should -Be 3 -Because $r.Text
            Read-Values $r 'AFTERWHATIF' | Should -Be 'TrueTrue'
            Read-Values $r 'KEY' | Should -Be 'False' -Because $r.Text
            Read-Values $r 'APP' | Should -Be 'False'
            Test-KeyDeleted $WhatIfKeyId | Should -BeTrue
        }

        It 'Connect-PfaAzureDevOps -WhatIf previews in a CI session instead of failing (browser and paste paths)' {
            $OneSession.TimedOut | Should -BeFalse
            $r = Get-Section connect
            @($r.Output -like 'What if:*Connect through application*').Count | Should -Be 2 -Because $r.Text
            Read-Values $r 'CONNECTED' | Should -Be 'False' -Because $r.Text
            Test-Path (Join-Path $RegisteredHome 'CurrentUser/pending-authorization.json') | Should -BeFalse
        }
    }

    It '-Debug shows debug output only: a warning does not ask "Continue with this operation?" (with -Confirm:$false, and under -NonInteractive)' {
        # Run by the -NonInteractive session of the four above (after its own steps, in a state home of its own).
        $r = $DebugRun
        $r | Should -Not -BeNullOrEmpty -Because 'the -NonInteractive session ran these steps'
        $r.TimedOut | Should -BeFalse
        $r.Text | Should -Not -Match 'Continue with this operation|NonInteractive mode|UnexpectedError'
        @(Read-Values $r 'WARN')[0] | Should -Match 'Azure DevOps accepts only RSA'
        Read-Values $r 'KEY' | Should -Be 'Ed25519'
        $r.Output | Should -Contain 'DONE' -Because $r.Text
        Read-Values $r 'SILENCED' | Should -BeNullOrEmpty
    }
}

Describe 'Connect-PfaAzureDevOps -AccessToken without a registered application' {
    It 'connects with the token and the organization alone, and the token works for the SSH key cmdlets' {
        $stateHome = New-TestStateHome
        $token = New-BearerToken
        $c = Connect-PfaAzureDevOps -AccessToken (ConvertTo-SecureString $token -AsPlainText -Force) -OrganizationUrl $OrgUrl -PassThru -WarningAction SilentlyContinue
        $c.Flow | Should -Be 'AccessToken'
        $c.OrganizationUrl | Should -Be $OrgUrl
        $c.Organization | Should -Be 'pipe'
        Get-PfaAzureDevOpsAccessToken -AsPlainText | Should -BeExactly $token
        Import-TestRsaKey
        $added = Add-AzDevOpsSshKey -PassThru -WarningAction SilentlyContinue
        (Get-AzDevOpsSshKey).Id | Should -Contain $added.Id
        Get-Content -Raw (Join-Path $stateHome 'CurrentUser/connection.json') | Should -Not -Match ([regex]::Escape($token)) -Because 'the token lives in the vault, never in the document'
    }

    It 'without an organization it fails with OrganizationRequired and writes nothing' {
        $stateHome = New-TestStateHome
        { Connect-PfaAzureDevOps -AccessToken (ConvertTo-SecureString (New-BearerToken) -AsPlainText -Force) -ErrorAction Stop } | Should -Throw -ErrorId 'OrganizationRequired*'
        @(Get-ChildItem $stateHome -Recurse -File).Count | Should -Be 0
    }

    It 'works with an Azure DevOps OAuth application registered too (no ProviderNotSupported)' {
        New-TestStateHome | Out-Null
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.test' -ClientId ([guid]::NewGuid()) -ClientSecret (ConvertTo-SecureString 'x' -AsPlainText -Force) `
            -AuthorizationServer $Ado.HttpUrl -Scope CurrentUser -WarningAction SilentlyContinue
        $token = New-BearerToken
        Connect-PfaAzureDevOps -AccessToken (ConvertTo-SecureString $token -AsPlainText -Force) -Organization pipe -OrganizationUrl $OrgUrl -WarningAction SilentlyContinue
        (Get-PfaAzureDevOpsConnection).Flow | Should -Be 'AccessToken'
        Get-PfaAzureDevOpsAccessToken -AsPlainText | Should -BeExactly $token
    }
}

BeforeDiscovery {
    # Every type an exported cmdlet declares in [OutputType] that the module itself defines: types other engineers
    # add later are covered without touching this file.
    Import-Module PfaAzureDevOps -Force
    $moduleAssembly = (Get-Module PfaAzureDevOps).ImplementingAssembly
    $script:OutputTypes = @(Get-Command -Module PfaAzureDevOps | ForEach-Object { $_.OutputType } | ForEach-Object { $_.Type } |
        Where-Object { $_ -and $_.Assembly -eq $moduleAssembly } | Sort-Object FullName -Unique | ForEach-Object { @{ Name = $_.Name; FullName = $_.FullName } })
}

Describe 'JSON of every output type' {
    BeforeAll {
        $script:ModuleAssembly = (Get-Module PfaAzureDevOps).ImplementingAssembly
        $script:Iso8601 = '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$'
        $script:Numeric = @([int], [long], [double], [float], [decimal], [short], [byte])

        # One instance with every settable property filled; a property type nobody thought about fails here.
        function script:New-Sample([type] $Type, [int] $Depth = 0) {
            $inner = [Nullable]::GetUnderlyingType($Type)
            if ($inner) { $Type = $inner }
            if ($Type -eq [string]) { return 'sample' }
            if ($Type -eq [bool]) { return $true }
            if ($Numeric -contains $Type) { return [Convert]::ChangeType(7, $Type) }
            if ($Type -eq [guid]) { return [guid]::NewGuid() }
            if ($Type -eq [uri]) { return [uri]'https://dev.azure.com/sample' }
            if ($Type -eq [DateTimeOffset]) { return [DateTimeOffset]::new(2026, 1, 2, 3, 4, 5, [TimeSpan]::FromHours(1)) }
            if ($Type -eq [DateTime]) { return [DateTime]::new(2026, 1, 2, 3, 4, 5, [DateTimeKind]::Utc) }
            if ($Type -eq [TimeSpan]) { return [TimeSpan]::FromSeconds(1.5) }
            if ($Type -eq [securestring]) { return (ConvertTo-SecureString 'sample-secret-value' -AsPlainText -Force) }
            if ($Type.IsEnum) { return [Enum]::GetValues($Type)[-1] }
            if ($Type.IsArray) {
                $a = [Array]::CreateInstance($Type.GetElementType(), 1)
                $a[0] = New-Sample $Type.GetElementType() ($Depth + 1)
                return , $a
            }
            if ($Type.Assembly -eq $ModuleAssembly -and $Depth -lt 4) {
                $o = [Activator]::CreateInstance($Type)
                foreach ($p in $Type.GetProperties() | Where-Object { $_.CanWrite }) { $p.SetValue($o, (New-Sample $p.PropertyType ($Depth + 1))) }
                return $o
            }
            throw "No sample value for $($Type.FullName): decide how it serializes to JSON and add it here."
        }

        # Checks each property's JSON against its .NET type; returns the problems found.
        function script:Test-Json([type] $Type, [System.Text.Json.JsonElement] $Element, [string] $Path) {
            if ("$($Element.ValueKind)" -ne 'Object') { "${Path}: not an object: $($Element.ValueKind)"; return }
            $props = @{}
            foreach ($jp in $Element.EnumerateObject()) { $props[$jp.Name] = $jp.Value }
            foreach ($p in $Type.GetProperties()) {
                $t = [Nullable]::GetUnderlyingType($p.PropertyType); if (-not $t) { $t = $p.PropertyType }
                if (-not $props.ContainsKey($p.Name)) { "$Path.$($p.Name): missing"; continue }
                $v = $props[$p.Name]
                $kind = "$($v.ValueKind)"
                if ($t.IsEnum) { "$Path.$($p.Name): enum $($t.Name) must be its name, not a number (make the property a string)" }
                elseif ($t -eq [TimeSpan]) { "$Path.$($p.Name): TimeSpan serializes as a 15-field object (use seconds as a number)" }
                elseif ($t -eq [DateTimeOffset] -or $t -eq [DateTime]) { if ($kind -ne 'String' -or $v.GetString() -notmatch $Iso8601) { "$Path.$($p.Name): not an ISO 8601 date: $($v.GetRawText())" } }
                elseif ($Numeric -contains $t) { if ($kind -ne 'Number') { "$Path.$($p.Name): not a number: $kind" } }
                elseif ($t -eq [bool]) { if ($kind -notin 'True', 'False') { "$Path.$($p.Name): not a boolean: $kind" } }
                elseif ($t -eq [string] -or $t -eq [guid] -or $t -eq [uri]) { if ($kind -ne 'String') { "$Path.$($p.Name): not a string: $kind" } }
                elseif ($t -eq [securestring]) {
                    if ($v.GetRawText() -match 'sample-secret-value') { "$Path.$($p.Name): the secret is in the JSON" }
                }
                elseif ($t.IsArray) {
                    if ($kind -ne 'Array') { "$Path.$($p.Name): not an array: $kind"; continue }
                    $e = $t.GetElementType()
                    foreach ($item in $v.EnumerateArray()) {
                        if ($e.Assembly -eq $ModuleAssembly) { Test-Json $e $item "$Path.$($p.Name)[]" }
                        elseif ("$($item.ValueKind)" -notin 'String', 'Number', 'True', 'False') { "$Path.$($p.Name)[]: not a plain value: $($item.ValueKind)" }
                    }
                }
                elseif ($t.Assembly -eq $ModuleAssembly) { Test-Json $t $v "$Path.$($p.Name)" }
                else { "$Path.$($p.Name): $($t.FullName) has no JSON rule (objects of framework types are not self-describing)" }
            }
        }
    }

    It 'finds the output types of the exported cmdlets' {
        $OutputTypes.Count | Should -BeGreaterOrEqual 9
        $OutputTypes.Name | Should -Contain 'PfaAzureDevOpsAccessToken'
    }

    It '<Name>: enum values as names, seconds as numbers, ISO 8601 dates, no secret' -ForEach $OutputTypes {
        $type = $ModuleAssembly.GetType($FullName, $true)
        $sample = New-Sample $type
        $json = $sample | ConvertTo-Json -Depth 10
        $doc = [System.Text.Json.JsonDocument]::Parse($json)
        try { $problems = @(Test-Json $type $doc.RootElement $Name) } finally { $doc.Dispose() }
        $problems | Should -BeNullOrEmpty -Because $json
    }

    It 'real outputs through the cmdlets: Get-PfaSshPublicKey and Get-PfaAzureDevOpsApp' {
        New-TestStateHome | Out-Null
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa.example.test' -ClientId ([guid]::NewGuid()) -ClientSecret (ConvertTo-SecureString 'x' -AsPlainText -Force) `
            -AuthorizationServer $Ado.HttpUrl -Scope CurrentUser -SecretExpiresOn ([DateTimeOffset]::UtcNow.AddDays(30)) -WarningAction SilentlyContinue
        $null = New-PfaSshKey -KeyType Ed25519 -WarningAction SilentlyContinue
        $key = Get-PfaSshPublicKey | ConvertTo-Json | ConvertFrom-Json -DateKind String
        $key.KeyType | Should -BeExactly 'Ed25519'
        $key.CreatedOn | Should -Match $Iso8601
        $app = Get-PfaAzureDevOpsApp -WarningAction SilentlyContinue | ConvertTo-Json | ConvertFrom-Json -DateKind String
        $app.Provider | Should -BeExactly 'AzureDevOps'
        $app.Scope | Should -BeExactly 'CurrentUser'
        $app.SecretExpiresOn | Should -Match $Iso8601
    }
}

Describe 'Get-PfaAzureDevOpsAccessToken -Detailed' {
    It 'returns the token as a SecureString with its expiry, user, organization, provider and flow; the default output is unchanged' {
        New-TestStateHome | Out-Null
        $token = New-BearerToken
        Connect-PfaAzureDevOps -AccessToken (ConvertTo-SecureString $token -AsPlainText -Force) -OrganizationUrl $OrgUrl -WarningAction SilentlyContinue
        $t = Get-PfaAzureDevOpsAccessToken -Detailed
        $t | Should -BeOfType ([PfaAzureDevOps.PfaAzureDevOpsAccessToken])
        $t.Token | Should -BeOfType ([securestring])
        [Net.NetworkCredential]::new('', $t.Token).Password | Should -BeExactly $token
        $t.TokenType | Should -Be 'Bearer'
        $t.ExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(30))
        $t.Organization | Should -Be 'pipe'
        "$($t.OrganizationUrl)".TrimEnd('/') | Should -Be $OrgUrl
        $t.Flow | Should -Be 'AccessToken'
        $t.Provider | Should -Be 'EntraId'
        $t.Refreshed | Should -BeFalse
        ($t | Format-List | Out-String) + ($t | ConvertTo-Json) + "$t" | Should -Not -Match ([regex]::Escape($token))
        $shown = $t | Format-List | Out-String
        $shown | Should -Match ('(?m)^ExpiresOn\s+: ' + [regex]::Escape($t.ExpiresOn.UtcDateTime.ToString('yyyy-MM-dd HH:mm')) + ' UTC\s*$')
        $shown | Should -Match '(?m)^Provider\s+: EntraId\s*$'
        $shown | Should -Match '(?m)^Flow\s+: AccessToken\s*$'
        (Get-PfaAzureDevOpsConnection | Format-List | Out-String) | Should -Match '(?m)^Flow\s+: AccessToken\s*$'
        Get-PfaAzureDevOpsAccessToken | Should -BeOfType ([securestring])
        Get-PfaAzureDevOpsAccessToken -AsPlainText | Should -BeExactly $token
        { Get-PfaAzureDevOpsAccessToken -Detailed -AsPlainText -ErrorAction Stop } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }
}

Describe 'The acceptance example on a fresh machine' {
    It 'reports each root cause once and skips the checks that depend on it' {
        New-TestStateHome | Out-Null
        $example = Join-Path $env:PFA_TEST_REPOSITORY 'docs/examples/PfaAzureDevOps.Acceptance.Tests.ps1'
        $pester = (Get-Module Pester).Path
        $r = Invoke-Child -Stdin eof -Script @"
Import-Module '$pester'
`$c = New-PesterContainer -Path '$example' -Data @{ RepositoryUrl = 'git@ssh.dev.azure.com:v3/samplecorp/Modules/puppet-base' }
`$run = Invoke-Pester -Container `$c -PassThru -Output None
'FAILED=' + ((`$run.Failed | ForEach-Object { `$_.ExpandedName.Split(' ')[0] } | Sort-Object) -join ',')
'SKIPPED=' + ((`$run.Skipped | ForEach-Object { `$_.ExpandedName.Split(' ')[0] } | Sort-Object) -join ',')
'REASONS=' + ((`$run.Skipped | ForEach-Object { `$_.ErrorRecord[0].Exception.Message }) -join ' | ')
"@
        $r.TimedOut | Should -BeFalse
        Read-Values $r 'FAILED' | Should -Be 'AppRegistered,SshKeyPresent,UserConnected' -Because $r.Text
        Read-Values $r 'SKIPPED' | Should -Be 'ClientSecret,CloneAccess,SshKeyRegistered,TokenRefreshable' -Because $r.Text
        Read-Values $r 'REASONS' | Should -Match 'UserConnected and SshKeyPresent failed'
    }
}

Describe 'Cold start: nothing heavy at Import-Module' {
    It 'loads neither the engine nor the format views at import; the views load with the first module object written' {
        New-TestStateHome | Out-Null
        $r = Invoke-Child -Stdin eof -Script @'
$names = { [AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { $_.GetName().Name } }
'ENGINE=' + ((& $names) -contains 'PfaAzureDevOps.Core') + ',' + ((& $names) -contains 'PfaAzureDevOps.LoadContext')
'VIEWS=' + @(Get-FormatData -TypeName PfaAzureDevOps.PfaSshPublicKey).Count
$null = Get-PfaAzureDevOpsAccessToken -ErrorAction SilentlyContinue
'VIEWSAFTERTOKEN=' + @(Get-FormatData -TypeName PfaAzureDevOps.PfaSshPublicKey).Count
$null = New-PfaSshKey -KeyType Ed25519 -WarningAction SilentlyContinue
$key = Get-PfaSshPublicKey
'VIEWSAFTEROUTPUT=' + @(Get-FormatData -TypeName PfaAzureDevOps.PfaSshPublicKey).Count
'TABLE=' + (($key | Format-Table | Out-String -Width 200) -match 'KeyType\s+Bits\s+Md5Fingerprint')
'ENGINEAFTER=' + ((& $names) -contains 'PfaAzureDevOps.Core')
'@
        $r.TimedOut | Should -BeFalse
        Read-Values $r 'ENGINE' | Should -Be 'False,False' -Because $r.Text
        Read-Values $r 'VIEWS' | Should -Be '0'
        Read-Values $r 'VIEWSAFTERTOKEN' | Should -Be '0' -Because 'a token is a SecureString: no view needed'
        Read-Values $r 'VIEWSAFTEROUTPUT' | Should -Be '1'
        Read-Values $r 'TABLE' | Should -Be 'True' -Because $r.Text
        Read-Values $r 'ENGINEAFTER' | Should -Be 'True'
    }
}
