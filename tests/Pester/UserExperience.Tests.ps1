#requires -Modules Pester
# The interactive user's path (issue 11): organizations discovered after sign-in, success lines with the next step,
# New- returning what it made, the key line whole, the small traps, and views that fit 80 columns.
BeforeDiscovery {
    $script:HaveTmux = [bool](Get-Command tmux -ErrorAction Ignore)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
    $script:Session = Enter-TestSession -LocalAzureDevOps -WithSsh   # CI=true: this process never prompts
    $script:Ado = $Session.Ado

    $script:UserId = (Control GET '/_test/users').signedInUserId
    $null = Control POST '/_test/orgs' @{ name = 'fabrikam' }
    $null = Control POST '/_test/orgs/fabrikam/repos' @{ project = 'Modules'; repo = 'puppet-base' }
    $script:RepoUrl = "ssh://$($Ado.SshUser)@127.0.0.1:$($Ado.SshPort)/v3/fabrikam/Modules/puppet-base"
    $script:App = Control POST '/_test/apps' @{ name = 'PFA'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }

    # A real terminal (tmux, 80 x 40, a private server) running pwsh as a person would, not in CI.
    $script:HaveTmux = [bool](Get-Command tmux -ErrorAction Ignore)
    function script:Start-Terminal {
        $socket = 'pfa-ux-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $pwsh = Join-Path $PSHOME 'pwsh'
        & tmux -L $socket new-session -d -x 80 -y 40 "env -u CI -u TF_BUILD PFA_AZUREDEVOPS_HOME='$env:PFA_AZUREDEVOPS_HOME' '$pwsh' -NoProfile -NoLogo"
        $terminal = [pscustomobject]@{ Socket = $socket }
        Wait-Screen $terminal '(?m)^PS .*>' | Out-Null
        $terminal
    }
    function script:Get-Screen($Terminal) { (& tmux -L $Terminal.Socket capture-pane -p -J -S -200) -join "`n" }
    function script:Wait-Screen($Terminal, [string] $Pattern, [int] $TimeoutSeconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        do {
            $screen = Get-Screen $Terminal
            if ($screen -match $Pattern) { return $screen }
            Start-Sleep -Milliseconds 250
        } while ([DateTime]::UtcNow -lt $deadline)
        throw "The terminal never showed /$Pattern/; it shows:`n$screen"
    }
    function script:Send-Line($Terminal, [string] $Text) {
        & tmux -L $Terminal.Socket send-keys -l $Text
        & tmux -L $Terminal.Socket send-keys Enter
    }
    function script:Stop-Terminal($Terminal) { if ($Terminal) { & tmux -L $Terminal.Socket kill-server 2>$null } }

    # An RSA 2048 key (ssh-keygen, a few milliseconds) imported as the user's key, for tests where the key is incidental:
    # generating the module's default RSA 4096 costs 1 to 3 CPU s each time. The tests about making a key still make one.
    function script:Import-TestRsaKey {
        $file = Join-Path $env:PFA_AZUREDEVOPS_HOME ('id_rsa_' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        & ssh-keygen -q -t rsa -b 2048 -N '' -C 'pfa test key' -f $file
        if ($LASTEXITCODE) { throw "ssh-keygen failed ($LASTEXITCODE)" }
        Import-PfaSshKey -Path $file -Force -PassThru -WarningAction SilentlyContinue -InformationAction SilentlyContinue
    }

    # Every line of an object's formatted view at a width, and a check that none is longer.
    function script:Get-View($InputObject, [string] $As = 'Table', [int] $Width = 80) {
        $text = if ($As -eq 'Table') { $InputObject | Format-Table | Out-String -Width $Width } else { $InputObject | Format-List | Out-String -Width $Width }
        $lines = $text -split "`r?`n"
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual $Width -Because "'$line' must fit $Width columns" }
        $text
    }
}

AfterAll { Exit-TestSession }

Describe 'The organization after sign-in (Accounts API)' {
    BeforeEach { $script:StateHome = New-TestStateHome; $null = Register-TestApp -App $App }
    AfterEach { Remove-TestStateHome $script:StateHome; Control DELETE '/_test/faults' | Out-Null }

    It 'the only organization is taken: the key cmdlets need no -Organization, and Connect says who, where, until when and what next' {
        $redirect = Get-TestConsentRedirect
        $c = Connect-PfaAzureDevOps -CallbackUri $redirect -PassThru -InformationVariable said -WarningAction SilentlyContinue
        $c.Organization | Should -Be 'fabrikam'
        $c.OrganizationUrl | Should -Be "$($Ado.HttpUrl)/fabrikam"
        $c.OrganizationId | Should -Not -BeNullOrEmpty
        $c.KnownOrganizations | Should -Be @('fabrikam')
        $lines = @($said | ForEach-Object { "$_" })
        $lines[0] | Should -Match '^Connected as Test User <test\.user@example\.com> to organization fabrikam; the access token is valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC'
        $lines[1] | Should -Be 'Next: New-PfaSshKey creates your SSH key, then Add-AzDevOpsSshKey adds it to Azure DevOps.'
        @(Get-AzDevOpsSshKey).Count | Should -Be 0
    }

    It 'several organizations in a non-interactive session: an error listing them, the connection kept' {
        $null = Control POST '/_test/orgs' @{ name = 'contoso' }
        $null = Control POST '/_test/orgs' @{ name = 'northwind'; members = @([guid]::NewGuid().ToString()) }   # not the user's
        $redirect = Get-TestConsentRedirect
        $c = Connect-PfaAzureDevOps -CallbackUri $redirect -PassThru -ErrorVariable failed -ErrorAction SilentlyContinue -InformationAction SilentlyContinue -WarningAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'OrganizationChoiceRequired,PfaAzureDevOps.Commands.ConnectPfaAzureDevOpsCommand'
        "$($failed[0])" | Should -Match 'belong to 2 organizations \(contoso, fabrikam\)'
        "$($failed[0])" | Should -Match 'Connect-PfaAzureDevOps -Organization contoso'
        $c.Organization | Should -BeNullOrEmpty
        (Get-PfaAzureDevOpsConnection).KnownOrganizations | Should -Be @('contoso', 'fabrikam')
        (Get-PfaAzureDevOpsConnection | Out-String) | Should -Match '\(none chosen; yours: contoso, fabrikam\)'
        # Still connected: a key cmdlet works once told the organization.
        @(Get-AzDevOpsSshKey -Organization contoso).Count | Should -Be 0
    }

    It 'at an 80-column terminal a person picks one of several organizations by number' -Skip:(-not $HaveTmux) {
        if (-not ((Control GET '/_test/orgs') | Where-Object name -EQ 'contoso')) { $null = Control POST '/_test/orgs' @{ name = 'contoso' } }
        $terminal = Start-Terminal
        try {
            Send-Line $terminal 'Connect-PfaAzureDevOps'
            $screen = Wait-Screen $terminal 'Paste the address the browser ended on'
            $screen -match '(https?://\S+/oauth2/authorize\?\S+)' | Should -BeTrue
            $answer = Invoke-WebRequest -Uri $Matches[1].Replace($Ado.HttpsUrl, $Ado.HttpUrl) -NoProxy
            $null = $answer.Content -match 'name="consentId" value="([^"]+)"'
            $redirect = Invoke-WebRequest -Uri "$($Ado.HttpUrl)/oauth2/authorize" -Method Post -NoProxy -MaximumRedirection 0 -SkipHttpErrorCheck -ErrorAction SilentlyContinue `
                -ContentType 'application/x-www-form-urlencoded' -Body "consentId=$([uri]::EscapeDataString($Matches[1]))&decision=accept"
            Send-Line $terminal ([string]$redirect.Headers.Location[0])
            $screen = Wait-Screen $terminal 'Which one should this connection use\?'
            $screen | Should -Match '\[1\] contoso'
            $screen | Should -Match '\[2\] fabrikam'
            Send-Line $terminal '2'
            # No key yet: the same command offers to make one and add it (Enter = Yes), as gh auth login does.
            $screen = Wait-Screen $terminal 'Create one and add it to fabrikam'
            $screen | Should -Match 'Connected as Test User <test\.user@example\.com> to organization fabrikam'
            Send-Line $terminal ''
            $screen = Wait-Screen $terminal 'Next: Test-PfaAzureDevOpsSshAccess' -TimeoutSeconds 120
            $screen | Should -Match 'Created your RSA 4096-bit SSH key MD5:'
            $screen | Should -Match "Added your key MD5:\S+ to fabrikam as '.+', valid until \d{4}-\d\d-\d\d\."
            (Get-PfaAzureDevOpsConnection).Organization | Should -Be 'fabrikam'
            (Get-PfaAzureDevOpsConnection).OrganizationId | Should -Not -BeNullOrEmpty
            @(Get-AzDevOpsSshKey -LocalKeyOnly).Count | Should -Be 1
            @(Get-AzDevOpsSshKey -LocalKeyOnly) | Remove-AzDevOpsSshKey -Force
        }
        finally { Stop-Terminal $terminal }
    }

    It 'Connect-PfaAzureDevOps -AddSshKey does the whole user phase in a script: connect, create the key, add it' {
        $redirect = Get-TestConsentRedirect
        $c = Connect-PfaAzureDevOps -CallbackUri $redirect -Organization fabrikam -AddSshKey -PassThru -InformationVariable said -WarningAction SilentlyContinue
        $c.Organization | Should -Be 'fabrikam'
        $text = @($said | ForEach-Object { "$_" }) -join "`n"
        $text | Should -Match 'Created your RSA 4096-bit SSH key'
        $text | Should -Match 'Added your key MD5:\S+ to fabrikam'
        $local = @(Get-AzDevOpsSshKey -LocalKeyOnly)
        $local.Count | Should -Be 1
        # Again: the key is there already, nothing new is made or added.
        $redirect = Get-TestConsentRedirect
        Connect-PfaAzureDevOps -CallbackUri $redirect -Organization fabrikam -AddSshKey -InformationVariable again -WarningAction SilentlyContinue
        (@($again | ForEach-Object { "$_" }) -join "`n") | Should -Match 'is already in fabrikam'
        @(Get-AzDevOpsSshKey -LocalKeyOnly).Count | Should -Be 1
        $local | Remove-AzDevOpsSshKey -Force
    }

    It 'a token that may not list organizations: connected, told to name one, nothing fails' {
        $null = Control POST '/_test/faults' @{ pathPrefix = '/_apis/accounts'; status = 401; count = -1 }
        $redirect = Get-TestConsentRedirect
        $c = Connect-PfaAzureDevOps -CallbackUri $redirect -PassThru -InformationVariable said -ErrorVariable failed -WarningAction SilentlyContinue
        $failed.Count | Should -Be 0
        $c.Organization | Should -BeNullOrEmpty
        (@($said | ForEach-Object { "$_" }) -join "`n") | Should -Match 'could not be listed.*-Organization'
        { Get-AzDevOpsSshKey -ErrorAction Stop } | Should -Throw -ErrorId 'AzDevOpsOrganizationUnknown,PfaAzureDevOps.Commands.GetAzDevOpsSshKeyCommand'
    }
}

Describe 'Success lines and the small traps of the key path' {
    BeforeAll {
        $script:StateHome = New-TestStateHome
        $null = Register-TestApp -App $App
        Connect-PfaAzureDevOps -CallbackUri (Get-TestConsentRedirect) -Organization fabrikam -InformationAction SilentlyContinue -WarningAction SilentlyContinue
    }
    AfterAll { Remove-TestStateHome $script:StateHome }

    It 'New-PfaSshKey returns the new key and says what it made and what is next' {
        $key = New-PfaSshKey -Bits 3072 -InformationVariable said -WarningAction SilentlyContinue
        $key | Should -BeOfType ([PfaAzureDevOps.PfaSshPublicKey])
        $key.PublicKey | Should -Match '^ssh-rsa AAAA'
        $lines = @($said | ForEach-Object { "$_" })
        $lines[0] | Should -Be "Created your RSA 3072-bit SSH key MD5:$($key.Md5Fingerprint), kept in $(if ($lines[0] -match 'owner-only') { 'an owner-only file (not encrypted: no keyring in this session)' } else { 'the Secret Service keyring' })."
        $lines[1] | Should -Be 'Next: Add-AzDevOpsSshKey adds it to Azure DevOps.'
    }

    It 'Get-PfaSshPublicKey alone prints the key line whole, on one line; the views fit 80 columns' {
        Get-PfaSshPublicKey -InformationVariable said > $null
        $key = Get-PfaSshPublicKey -InformationVariable assigned
        @($said | ForEach-Object { "$_" }) | Should -Contain $key.PublicKey
        $assigned.Count | Should -Be 0 -Because 'assigned, the object is enough'
        $null = (Get-PfaSshPublicKey -InformationVariable inExpression).Md5Fingerprint
        $inExpression.Count | Should -Be 0
        $null = 1; Get-PfaSshPublicKey -InformationVariable afterSemicolon > $null
        @($afterSemicolon | ForEach-Object { "$_" }) | Should -Contain $key.PublicKey -Because 'a statement of its own after ";" is still alone'
        $null = 1; $k = Get-PfaSshPublicKey -InformationVariable assignedAfterSemicolon
        $assignedAfterSemicolon.Count | Should -Be 0
        $list = Get-View $key -As List
        $list | Should -Match ([regex]::Escape($key.Md5Fingerprint))
        $list | Should -Not -Match ([regex]::Escape($key.PublicKey.Substring(30, 40)))   # no broken copy of the line
        $table = Get-View $key
        $table | Should -Match ([regex]::Escape($key.Md5Fingerprint))
        # In a pipeline it stays quiet: the object is the output.
        $null = Get-PfaSshPublicKey | ForEach-Object { $_ } -InformationVariable quiet
        $quiet.Count | Should -Be 0
    }

    It 'Add-AzDevOpsSshKey takes a .pub file by position (the gh habit) and says where the key went' {
        $file = Join-Path $StateHome 'exported'
        Export-PfaSshKey -Path $file | Out-Null
        $added = Add-AzDevOpsSshKey "$file.pub" -PassThru -InformationVariable said
        $added.Md5Fingerprint | Should -Be (Get-PfaSshPublicKey).Md5Fingerprint
        $lines = @($said | ForEach-Object { "$_" })
        $lines[0] | Should -Match "^Added your key MD5:$([regex]::Escape($added.Md5Fingerprint)) to fabrikam as '.+', valid until \d{4}-\d\d-\d\d\.$"
        $lines[1] | Should -Match '^Next: Test-PfaAzureDevOpsSshAccess'
        $again = Add-AzDevOpsSshKey -InformationVariable said2 -PassThru
        $again.AlreadyPresent | Should -BeTrue
        "$($said2[0])" | Should -Match 'is already in fabrikam'
        # The table keeps the key id whole at 80 columns.
        $view = Get-View @(Get-AzDevOpsSshKey)
        $view | Should -Match ([regex]::Escape($added.Id.ToString()))
        Get-View @(Get-AzDevOpsSshKey) -As List | Should -Match ([regex]::Escape($added.Md5Fingerprint))
    }

    It 'Add-AzDevOpsSshKey with a missing .pub file names the file, not the key format' {
        { Add-AzDevOpsSshKey (Join-Path $StateHome 'nope.pub') -ErrorAction Stop } | Should -Throw -ExpectedMessage "*nope.pub*"
    }

    It 'Export-PfaSshKey makes a missing ~/.ssh owner-only, as ssh-keygen does' {
        $home2 = Join-Path $StateHome 'home'
        New-Item -ItemType Directory -Path $home2 | Out-Null
        $r = Invoke-FreshPwsh -Script "Import-Module PfaAzureDevOps; (Export-PfaSshKey -Path ~/.ssh/id_rsa_pfa -ErrorAction Stop).Path" -Environment @{ HOME = $home2; PFA_AZUREDEVOPS_HOME = $StateHome; CI = 'true' }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Test-Path (Join-Path $home2 '.ssh/id_rsa_pfa') | Should -BeTrue
        Get-UnixMode (Join-Path $home2 '.ssh') | Should -Be '700'
        # Any other missing folder is still an error: only ~/.ssh is made.
        { Export-PfaSshKey -Path (Join-Path $StateHome 'missing/id') -ErrorAction Stop } | Should -Throw -ErrorId 'SshKeyExportFailed,PfaAzureDevOps.Commands.ExportPfaSshKeyCommand'
    }

    It 'Test-PfaAzureDevOpsIntegration looks for the key in the organization the repository URL names' {
        $null = Control POST '/_test/orgs' @{ name = 'tailspin' }
        $null = Control POST '/_test/orgs/tailspin/repos' @{ project = 'Modules'; repo = 'other' }
        $url = "ssh://$($Ado.SshUser)@127.0.0.1:$($Ado.SshPort)/v3/tailspin/Modules/other"
        $checks = Test-PfaAzureDevOpsIntegration -RepositoryUrl $url -HostKeyFingerprint $Ado.SshHostKeyFingerprint -WarningAction SilentlyContinue
        $registered = $checks | Where-Object Name -EQ 'SshKeyRegistered'
        $registered.Result | Should -Be 'Fail'
        $registered.Message | Should -Match 'not registered in tailspin'
        ($checks | Where-Object Name -EQ 'CloneAccess').Result | Should -Be 'Fail'
        # The connection's own organization, where the key is, passes.
        (Test-PfaAzureDevOpsIntegration -RepositoryUrl $RepoUrl -HostKeyFingerprint $Ado.SshHostKeyFingerprint -WarningAction SilentlyContinue | Where-Object Name -EQ 'SshKeyRegistered').Result | Should -Be 'Pass'
    }

    It 'a failed access check shows its message once: in the error, not again in the result view' {
        $url = "ssh://$($Ado.SshUser)@127.0.0.1:$($Ado.SshPort)/v3/tailspin/Modules/other"
        $result = Test-PfaAzureDevOpsSshAccess $url -HostKeyFingerprint $Ado.SshHostKeyFingerprint -ErrorVariable failed -ErrorAction SilentlyContinue
        $result.Success | Should -BeFalse
        $failed.Count | Should -Be 1
        $view = Get-View $result -As List
        $view | Should -Match 'ErrorId\s+:\s+\S+'
        $view | Should -Not -Match ([regex]::Escape($result.Message.Substring(0, [Math]::Min(40, $result.Message.Length))))
    }

    It 'tab completion offers organizations, key ids, repositories seen, scopes and tenants' {
        function Complete([string] $Line) { @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText) }
        Complete 'Get-AzDevOpsSshKey -Organization ' | Should -Contain 'fabrikam'
        Complete 'Connect-PfaAzureDevOps -Organization fab' | Should -Be @('fabrikam')
        $id = (Get-AzDevOpsSshKey | Select-Object -First 1).Id.ToString()
        Complete 'Remove-AzDevOpsSshKey -Id ' | Should -Contain $id
        Complete 'Copy-PfaAzureDevOpsRepository -RepositoryUrl ' | Should -Not -Contain $RepoUrl
        (Test-PfaAzureDevOpsSshAccess $RepoUrl -HostKeyFingerprint $Ado.SshHostKeyFingerprint).Success | Should -BeTrue
        Complete 'Copy-PfaAzureDevOpsRepository -RepositoryUrl ' | Should -Contain $RepoUrl
        Complete 'New-PfaSshKey -KeyType ' | Should -Contain 'Rsa'   # PowerShell completes enum values itself, sorted by name
        Complete 'Set-PfaAzureDevOpsApp -OAuthScope vso.code_w' | Should -Be @('vso.code_write')
        Complete 'Register-PfaAzureDevOpsApp -TenantId org' | Should -Contain 'organizations'
    }

    It 'an instance URL given with the callback path is not doubled' {
        $r = Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl 'https://pfa2.example.test/base/oauth2/azureDevOps' -ClientId ([guid]::NewGuid()) -ClientSecret (ConvertTo-SecureString 'x-secret-value' -AsPlainText -Force) `
            -Scope CurrentUser -Force -PassThru -WhatIf:$false -WarningAction SilentlyContinue
        $r.InstanceUrl.AbsoluteUri.TrimEnd('/') | Should -Be 'https://pfa2.example.test/base'
        $r.CallbackUrl.AbsoluteUri | Should -Be 'https://pfa2.example.test/base/oauth2/azureDevOps'
    }

    It 'the browser gets no standard input, and the guide says why no browser opened' {
        $script = Join-Path $StateHome 'browser.sh'
        $record = Join-Path $StateHome 'browser.txt'
        Set-Content -Path $script -Value "#!/bin/bash`nif read -t 5 line; then echo ""GOT:`$line"" > '$record'; else echo ""EOF:`$?"" > '$record'; fi`n"
        & chmod 755 $script
        # The child's standard input is a pipe held open with nothing in it, as a console is while the user has not
        # typed: a browser that inherited it would wait on it (read times out), one given none reads end-of-file at once.
        $info = [System.Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME 'pwsh'))
        foreach ($a in @('-NoProfile', '-Command', 'Import-Module PfaAzureDevOps; (Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl https://pfa.example.test).BrowserNote')) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardInput = $true
        $info.RedirectStandardOutput = $true
        $info.UseShellExecute = $false
        $info.Environment['BROWSER'] = $script
        $info.Environment['PFA_AZUREDEVOPS_HOME'] = $StateHome
        $child = [System.Diagnostics.Process]::Start($info)
        try {
            $text = $child.StandardOutput.ReadToEnd()
            $child.WaitForExit(60000) | Out-Null
            $text | Should -Match 'opened on the registration page'
            $deadline = [DateTime]::UtcNow.AddSeconds(15)
            while (-not (Test-Path $record) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        }
        finally {
            $child.StandardInput.Close()
            if (-not $child.HasExited) { $child.Kill() }
        }
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        while (-not (Test-Path $record) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        (Get-Content -Raw $record).Trim() | Should -Be 'EOF:1' -Because 'an empty, closed standard input ends at once; an inherited console would wait'
        (Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl https://pfa.example.test -NoBrowser).BrowserNote | Should -Match '-NoBrowser'
    }

    It 'the connection, app, access and clone views fit 80 columns with what identifies them' {
        $c = Get-PfaAzureDevOpsConnection
        (Get-View $c) | Should -Match 'fabrikam'
        (Get-View $c -As List) | Should -Match 'fabrikam'
        $app = Get-PfaAzureDevOpsApp -Scope CurrentUser
        (Get-View $app) | Should -Match $App.id
        $access = Test-PfaAzureDevOpsSshAccess $RepoUrl -HostKeyFingerprint $Ado.SshHostKeyFingerprint -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        (Get-View $access) | Should -Match 'True'
        $clone = Copy-PfaAzureDevOpsRepository $RepoUrl (Join-Path $StateHome 'clone') -HostKeyFingerprint $Ado.SshHostKeyFingerprint -WarningAction SilentlyContinue
        $view = Get-View $clone
        $view | Should -Match 'Branch\s+Commit\s+Elapsed\s+Path'
        $view | Should -Match ([regex]::Escape($clone.CommitId.Substring(0, 12)))
    }

    It 'Test-PfaAzureDevOpsIntegration checks the client secret with Azure DevOps, not only its recorded date' {
        $null = Register-TestApp -App $App   # again: an earlier test replaced the registration
        $checks = Test-PfaAzureDevOpsIntegration -WarningAction SilentlyContinue
        $secret = $checks | Where-Object Name -EQ 'ClientSecret'
        $secret.Result | Should -Be 'Pass'
        $secret.Message | Should -Match 'accepted it just now'
        $null = Control POST "/_test/apps/$($App.id)/rotate-secret" @{}   # the stored secret is now refused
        $checks = Test-PfaAzureDevOpsIntegration -WarningAction SilentlyContinue
        $secret = $checks | Where-Object Name -EQ 'ClientSecret'
        $secret.Result | Should -Be 'Fail'
        $secret.Message | Should -Match 'refused the stored client secret'
        ($checks | Where-Object Name -EQ 'TokenRefreshable').Result | Should -Be 'Fail'
    }
}

Describe 'Key lists and checks at 80 columns: progress, confirmations that name the key, whole words' {
    BeforeAll {
        $script:StateHome = New-TestStateHome
        # An application of its own: an earlier test rotated the shared one's secret.
        $script:App = Control POST '/_test/apps' @{ name = 'PFA views'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
        $null = Register-TestApp -App $App
        Connect-PfaAzureDevOps -CallbackUri (Get-TestConsentRedirect) -Organization fabrikam -InformationAction SilentlyContinue -WarningAction SilentlyContinue
        if (-not ((Control GET '/_test/orgs') | Where-Object name -EQ 'tailspin')) { $null = Control POST '/_test/orgs' @{ name = 'tailspin' } }
        $null = Import-TestRsaKey
        $script:Added = @(Add-AzDevOpsSshKey -Organization fabrikam, tailspin -Description 'PFA ux2 laptop' -PassThru -InformationAction SilentlyContinue -WarningAction SilentlyContinue)
    }
    AfterAll {
        Get-AzDevOpsSshKey -Organization fabrikam, tailspin -LocalKeyOnly -ErrorAction SilentlyContinue | Remove-AzDevOpsSshKey -Force -ErrorAction SilentlyContinue
        Control DELETE '/_test/faults' | Out-Null
        Remove-TestStateHome $script:StateHome
    }

    It 'the key table puts each organization in a heading, with every Id whole' {
        $keys = @(Get-AzDevOpsSshKey -Organization fabrikam, tailspin -LocalKeyOnly)
        $keys.Count | Should -Be 2
        $view = Get-View $keys
        $view | Should -Match '(?m)^\s*Organization: fabrikam\s*$'
        $view | Should -Match '(?m)^\s*Organization: tailspin\s*$'
        foreach ($key in $keys) { $view | Should -Match "(?m)^$($key.Id) " }
    }

    It 'Get- and Remove-AzDevOpsSshKey show progress while Azure DevOps is slow' {
        Control POST '/_test/faults' @{ pathPrefix = '/fabrikam/_apis/Token'; method = 'GET'; delayMs = 1800; count = 2 } | Out-Null
        foreach ($command in 'Get-AzDevOpsSshKey', 'Remove-AzDevOpsSshKey') {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', 'PfaAzureDevOps').AddStatement()
                $null = $ps.AddCommand($command).AddParameter('Organization', 'fabrikam')
                # Remove: a key that is not there, asked about through the (slow) list: nothing is removed.
                if ($command -like 'Remove-*') { $null = $ps.AddParameter('Id', [guid]::NewGuid()).AddParameter('WhatIf') }
                $null = $ps.Invoke()
                $records = @($ps.Streams.Progress)
                $records.Count | Should -BeGreaterThan 0 -Because "$command waits about 2 s for the list"
                $records[0].Activity | Should -Be 'Listing your SSH keys in Azure DevOps'
                $records[0].StatusDescription | Should -Match '^Asking fabrikam \(\d+ s\)$'
                $records[-1].RecordType | Should -Be 'Completed'
                if ($command -like 'Remove-*') { $ps.Streams.Error[0].FullyQualifiedErrorId | Should -BeLike 'AzDevOpsSshKeyNotFound,*' }
            }
            finally { $ps.Dispose() }
        }
    }

    It 'a script without -Force is refused with the key named (description, fingerprint, organization); the key stays' {
        $key = Get-AzDevOpsSshKey -Organization tailspin -LocalKeyOnly
        $err = $null
        try { Remove-AzDevOpsSshKey -Id $key.Id -Organization tailspin -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ConfirmationRequired,*'
        "$err" | Should -Match "SSH key 'PFA ux2 laptop' \(MD5:$([regex]::Escape($key.Md5Fingerprint)), id $($key.Id), valid until \d{4}-\d\d-\d\d\) in tailspin"
        @(Get-AzDevOpsSshKey -Organization tailspin -LocalKeyOnly).Count | Should -Be 1
    }

    It 'at a terminal the confirmation names the key; N keeps it' -Skip:(-not $HaveTmux) {
        $key = Get-AzDevOpsSshKey -Organization tailspin -LocalKeyOnly
        $terminal = Start-Terminal
        try {
            Send-Line $terminal "Remove-AzDevOpsSshKey $($key.Id) -Organization tailspin"
            $screen = (Wait-Screen $terminal '\[N\] No') -replace '\s+', ' '   # the host breaks the question between words
            $screen | Should -Match "'PFA ux2 laptop'"
            $screen | Should -Match ([regex]::Escape("MD5:$($key.Md5Fingerprint),"))
            $screen | Should -Match 'in tailspin'
            Send-Line $terminal 'N'
            Send-Line $terminal "'after:' + @(Get-AzDevOpsSshKey -Organization tailspin -LocalKeyOnly).Count"
            Wait-Screen $terminal '(?m)^after:1' | Out-Null
        }
        finally { Stop-Terminal $terminal }
    }

    It 'the integration table wraps its messages between words at 80 columns' {
        $checks = Test-PfaAzureDevOpsIntegration -RepositoryUrl $RepoUrl -HostKeyFingerprint $Ado.SshHostKeyFingerprint -WarningAction SilentlyContinue
        $view = Get-View $checks
        foreach ($word in ($checks.Message -split '\s+' | Where-Object { $_.Length -gt 1 -and $_.Length -le 50 })) {
            $view | Should -Match ([regex]::Escape($word)) -Because "'$word' must not be cut over two lines"
        }
        # The message column, read line by line, is the message.
        $first = $checks | Where-Object { $_.Message.Length -gt 60 } | Select-Object -First 1
        $first | Should -Not -BeNullOrEmpty
        $rows = Get-View $first
        $column = ''
        foreach ($part in ($rows -split "`r?`n" | Where-Object { $_.Length -gt 25 } | Select-Object -Skip 2 | ForEach-Object { $_.Substring(25).Trim() })) {
            $column = if (-not $column -or $column.EndsWith('/')) { $column + $part } else { "$column $part" }   # a long URL breaks after a '/'
        }
        $column | Should -Be $first.Message
    }

    It 'the access result keeps the repository URL whole, and breaks a longer one only after a /' {
        $result = Test-PfaAzureDevOpsSshAccess $RepoUrl -HostKeyFingerprint $Ado.SshHostKeyFingerprint -WarningAction SilentlyContinue
        $view = Get-View $result -As List
        $view | Should -Match "(?m)^RepositoryUrl : $([regex]::Escape($RepoUrl))\s*$"
        $view | Should -Match "(?m)^HostKey\s+: $([regex]::Escape($result.HostKeyFingerprint))"
        $long = [PfaAzureDevOps.PfaSshAccessResult]::new()
        $long.Success = $true
        $long.RepositoryUrl = 'ssh://git@ssh.dev.azure.com/v3/sample-corporation-worldwide/Infrastructure-Modules/puppet-base-configuration'
        $long.Message = $result.Message
        $text = Get-View $long -As List
        $lines = $text -split "`r?`n"
        ($lines | Where-Object { $_ -match '^RepositoryUrl : ' }) | Should -Be 'RepositoryUrl : ssh://git@ssh.dev.azure.com/v3/sample-corporation-worldwide/'
        $text | Should -Match '(?m)^\s+Infrastructure-Modules/puppet-base-configuration\s*$'
    }

    It 'the registration guide reads in whole words at 80 columns, and Register says what it stored and what is next' {
        $guide = Open-PfaAzureDevOpsAppRegistrationPage -InstanceUrl https://samplecorp.pipelines.com -NoBrowser
        $view = Get-View $guide -As List
        foreach ($text in @($guide.SupportedAccountTypes, $guide.RedirectPlatform) + $guide.NextSteps + $guide.ApiPermissions) {
            foreach ($word in ($text -split ' ' | Where-Object { $_.Length -gt 1 -and $_.Length -le 50 })) {
                $view | Should -Match ([regex]::Escape($word)) -Because "'$word' must not be cut over two lines"
            }
        }
        $view | Should -Match '(?m)^RegistrationPage\s+: https://entra\.microsoft\.com/#view/\s*$'
        $null = Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId $App.id -ClientSecret (ConvertTo-SecureString $App.clientSecret -AsPlainText -Force) `
            -AuthorizationServer $Ado.HttpUrl -Scope CurrentUser -Force -InformationVariable said -WarningAction SilentlyContinue
        $lines = @($said | ForEach-Object { "$_" })
        $lines[0] | Should -Be "Registered the Azure DevOps OAuth application $($App.id) for you; its callback is https://pfa.example.test/oauth2/azureDevOps."
        $lines[1] | Should -Match '^Next: each user runs Connect-PfaAzureDevOps'
        $null = Register-TestApp -App $App
    }

    It 'Set-PfaAzureDevOpsApp -ClientSecret asks an interactive user when the new secret expires' -Skip:(-not $HaveTmux) {
        $terminal = Start-Terminal
        try {
            Send-Line $terminal "Set-PfaAzureDevOpsApp -Scope CurrentUser -ClientSecret (ConvertTo-SecureString '$($App.clientSecret)' -AsPlainText -Force)"
            $screen = Wait-Screen $terminal 'When does the new client secret expire\?'
            Send-Line $terminal 'next spring'
            $screen = Wait-Screen $terminal "'next spring' is not a date"
            $date = (Get-Date).AddDays(75).ToString('yyyy-MM-dd')
            Send-Line $terminal $date
            Send-Line $terminal "'expires:' + (Get-PfaAzureDevOpsApp -Scope CurrentUser).SecretExpiresOn.ToString('yyyy-MM-dd')"
            $screen = Wait-Screen $terminal "(?m)^expires:$date"
            $screen | Should -Not -Match 'expiry is not known'
        }
        finally { Stop-Terminal $terminal }
    }
}

Describe 'Connect-PfaAzureDevOps -RepositoryUrl: from nothing to a proven clone in one command' {
    BeforeAll {
        $script:StateHome = New-TestStateHome
        $script:App = Control POST '/_test/apps' @{ name = 'PFA one command'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
        $null = Register-TestApp -App $App
        if (-not ((Control GET '/_test/orgs') | Where-Object name -EQ 'tailspin')) { $null = Control POST '/_test/orgs' @{ name = 'tailspin' } }
        try { $null = Control POST '/_test/orgs/tailspin/repos' @{ project = 'Modules'; repo = 'other' } } catch { }   # an earlier test may have made it
    }
    AfterAll {
        Get-AzDevOpsSshKey -Organization fabrikam, tailspin -LocalKeyOnly -ErrorAction SilentlyContinue | Remove-AzDevOpsSshKey -Force -ErrorAction SilentlyContinue
        Remove-TestStateHome $script:StateHome
    }

    It 'takes the organization from the URL, makes and adds the key, and ends with the clone-access proof' {
        @((Control GET '/_test/orgs')).Count | Should -BeGreaterThan 1 -Because 'without the URL a script would be asked to choose'
        $connection = Connect-PfaAzureDevOps -CallbackUri (Get-TestConsentRedirect) -AddSshKey -RepositoryUrl $RepoUrl -HostKeyFingerprint $Ado.SshHostKeyFingerprint -PassThru `
            -InformationVariable said -ErrorVariable failed -WarningAction SilentlyContinue
        $failed.Count | Should -Be 0
        $connection.Organization | Should -Be 'fabrikam'
        $lines = @($said | ForEach-Object { "$_" })
        ($lines -match '^Connected as Test User .* to organization fabrikam;').Count | Should -Be 1
        ($lines -match '^Created your RSA 4096-bit SSH key MD5:').Count | Should -Be 1
        ($lines -match "^Added your key MD5:\S+ to fabrikam as ").Count | Should -Be 1
        $lines | Should -Contain "You can clone $($RepoUrl): 2 ref(s), default branch main, host key $($Ado.SshHostKeyFingerprint)."
        $lines[-1] | Should -Be "Next: Copy-PfaAzureDevOpsRepository $RepoUrl <folder> clones it."
        $lines | Should -Not -Contain 'Next: Test-PfaAzureDevOpsSshAccess <repository SSH URL> proves you can clone.'
        $line = 'Connect-PfaAzureDevOps -RepositoryUrl '
        @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText) | Should -Contain $RepoUrl -Because 'a proven URL is offered again'
    }

    It 'a refused clone check is an error with what to do; the connection and the key stay' {
        $other = "ssh://$($Ado.SshUser)@127.0.0.1:$($Ado.SshPort)/v3/tailspin/Modules/other"
        Connect-PfaAzureDevOps -CallbackUri (Get-TestConsentRedirect) -RepositoryUrl $other -HostKeyFingerprint $Ado.SshHostKeyFingerprint `
            -InformationVariable said -ErrorVariable failed -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'SshKeyNotAuthorized,*'
        (@($said | ForEach-Object { "$_" }) -join "`n") | Should -Match 'You are connected and your key is in place; the clone check failed'
        (Get-PfaAzureDevOpsConnection).Organization | Should -Be 'tailspin'
        Get-PfaSshPublicKey | Should -Not -BeNullOrEmpty
    }

    It 'a key the service accepts only after a moment: the clone check tries again (progress, verbose) and proves the clone' {
        $null = New-TestStateHome
        $null = Register-TestApp -App $App
        $null = Import-TestRsaKey   # not in Azure DevOps yet: Connect -AddSshKey adds it, so the key is "just added"
        $null = Control POST '/_test/ssh/config' @{ newKeyDelaySeconds = 3 }
        try {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $out = Connect-PfaAzureDevOps -CallbackUri (Get-TestConsentRedirect) -AddSshKey -RepositoryUrl $RepoUrl -HostKeyFingerprint $Ado.SshHostKeyFingerprint `
                -InformationVariable said -ErrorVariable failed -WarningAction SilentlyContinue -Verbose 4>&1
            $failed.Count | Should -Be 0
            $retries = @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match 'refused the key added moments ago; trying again in \d s' })
            $retries.Count | Should -BeGreaterThan 0 -Because 'the first tries come within the emulator''s 3 s'
            @($said | ForEach-Object { "$_" }) | Should -Contain "You can clone $($RepoUrl): 2 ref(s), default branch main, host key $($Ado.SshHostKeyFingerprint)."
            $sw.Elapsed.TotalSeconds | Should -BeGreaterThan 3
        }
        finally {
            $null = Control POST '/_test/ssh/config' @{ newKeyDelaySeconds = 0 }
            Get-AzDevOpsSshKey -Organization fabrikam -LocalKeyOnly -ErrorAction SilentlyContinue | Remove-AzDevOpsSshKey -Force -ErrorAction SilentlyContinue
        }
    }

    It 'a key refused for longer gives up after about 10 s; other failures (a host key mismatch) are never tried again' {
        $null = New-TestStateHome
        $null = Register-TestApp -App $App
        $null = Import-TestRsaKey   # not in Azure DevOps yet: Connect -AddSshKey adds it, so the key is "just added"
        $null = Control POST '/_test/ssh/config' @{ newKeyDelaySeconds = 120 }
        try {
            $out = Connect-PfaAzureDevOps -CallbackUri (Get-TestConsentRedirect) -AddSshKey -RepositoryUrl $RepoUrl -HostKeyFingerprint $Ado.SshHostKeyFingerprint `
                -InformationVariable said -ErrorVariable failed -ErrorAction SilentlyContinue -WarningAction SilentlyContinue -Verbose 4>&1
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'SshKeyNotAuthorized,*'
            $failed[0].Exception.Message | Should -Match 'still refused the SSH key \d+ times? over \d+ s after it was added\. The service may need longer'
            $failed[0].Exception.Message | Should -Match ([regex]::Escape("run Test-PfaAzureDevOpsSshAccess $RepoUrl in a minute"))
            $retries = @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match 'trying again' })
            $retries.Count | Should -BeGreaterOrEqual 1
            $retries.Count | Should -BeLessOrEqual 3 -Because 'tries after 1, 2 and 4 s only while the next one starts within 10 s of the first'
            Get-AzDevOpsSshKey -Organization fabrikam -LocalKeyOnly | Remove-AzDevOpsSshKey -Force

            # A key just added, and the host key does not match: one refusal, no retry.
            $wrong = 'SHA256:' + [Convert]::ToBase64String([byte[]]::new(32)).TrimEnd('=')
            $out = Connect-PfaAzureDevOps -CallbackUri (Get-TestConsentRedirect) -AddSshKey -RepositoryUrl $RepoUrl -HostKeyFingerprint $wrong `
                -InformationVariable said -ErrorVariable failed -ErrorAction SilentlyContinue -WarningAction SilentlyContinue -InformationAction SilentlyContinue -Verbose 4>&1
            @($said | ForEach-Object { "$_" }) -match '^Added your key MD5:\S+ to fabrikam ' | Should -Not -BeNullOrEmpty -Because 'the key was removed above, so this Connect adds it again (a key "just added")'
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -Not -BeLike 'SshKeyNotAuthorized,*'
            @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match 'trying again' }).Count | Should -Be 0
        }
        finally {
            $null = Control POST '/_test/ssh/config' @{ newKeyDelaySeconds = 0 }
            Get-AzDevOpsSshKey -Organization fabrikam -LocalKeyOnly -ErrorAction SilentlyContinue | Remove-AzDevOpsSshKey -Force -ErrorAction SilentlyContinue
        }
    }

    It 'a URL that is not an SSH URL fails before anyone signs in' {
        $err = $null
        try { Connect-PfaAzureDevOps -NoBrowser -RepositoryUrl 'https://dev.azure.com/fabrikam/Modules/_git/puppet-base' -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'GitUrlInvalid,*'
    }
}
