#requires -Modules Pester
# Issue 9, item 17: the administrator registers the instance's Azure DevOps OAuth application once (AllUsers), and two
# real OS users of this machine connect through it: a member of the group the secret is shared with connects and
# refreshes; a user outside it is refused with ClientSecretNotPermitted. The users are made with useradd for this test
# and removed afterwards (tests run as root in CI). Each user runs a copy of this pwsh (PowerShell's own folder is
# under root's home, which other users cannot enter) with the packaged module.
BeforeDiscovery {
    $script:CanRun = $IsLinux -and [Environment]::UserName -eq 'root' -and (Test-Path /usr/sbin/useradd) -and (Test-Path /usr/sbin/runuser)
}

Describe 'Two OS users connect through the instance''s application (issue 9, item 17)' -Skip:(-not $CanRun) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
        $script:Session = Enter-TestSession -LocalAzureDevOps
        $script:Ado = $Session.Ado

        $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
        $script:Group = "pfahsg$suffix"
        $script:Member = "pfahsa$suffix"
        $script:Outsider = "pfahsb$suffix"
        $script:Base = Join-Path ([IO.Path]::GetTempPath()) "pfa-hs-users-$suffix"
        New-Item -ItemType Directory -Path $Base | Out-Null
        chmod 755 $Base
        $script:Created = [System.Collections.Generic.List[string]]::new()
        & /usr/sbin/groupadd $Group; if ($LASTEXITCODE) { throw "groupadd $Group failed" }
        & /usr/sbin/useradd -m -d (Join-Path $Base 'home-member') -s /bin/sh -G $Group $Member; if ($LASTEXITCODE) { throw "useradd $Member failed" }
        $Created.Add($Member)
        & /usr/sbin/useradd -m -d (Join-Path $Base 'home-outsider') -s /bin/sh $Outsider; if ($LASTEXITCODE) { throw "useradd $Outsider failed" }
        $Created.Add($Outsider)

        # A copy of this pwsh the users can run.
        $script:UserPwshDir = Join-Path $Base 'pwsh'
        & cp -a $PSHOME $UserPwshDir
        & chmod -R 'a+rX' $UserPwshDir
        & chmod 'a+x' (Join-Path $UserPwshDir 'pwsh')
        $script:UserPwsh = Join-Path $UserPwshDir 'pwsh'
        $script:Manifest = Get-TestModuleManifest

        # The instance's (AllUsers) state lives in the test folder; each user's CurrentUser state in their home.
        $script:AllUsers = Join-Path $Base 'allusers'
        $env:PFA_AZUREDEVOPS_ALLUSERS_HOME = $AllUsers
        $env:PFA_AZUREDEVOPS_HOME = Join-Path $Base 'root-home'

        # Runs $Script as $User in a fresh pwsh (module imported); returns exit code and output.
        function script:Invoke-AsUser([string] $User, [string] $Script) {
            $file = Join-Path $Base ("script-" + [guid]::NewGuid().ToString('N') + '.ps1')
            Set-Content -Path $file -Value ("`$ErrorActionPreference = 'Stop'; Import-Module '$Manifest'`n" + $Script) -Encoding utf8
            chmod 644 $file
            $userHome = (Join-Path $Base $(if ($User -eq $Member) { 'home-member' } else { 'home-outsider' }))
            $output = & /usr/sbin/runuser -u $User -- /usr/bin/env -i "HOME=$userHome" "PATH=$env:PATH" "CI=true" "PFA_AZUREDEVOPS_ALLUSERS_HOME=$AllUsers" `
                "DOTNET_CLI_TELEMETRY_OPTOUT=1" $UserPwsh -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" }
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output); Text = ($output -join "`n") }
        }

        function script:Read-Value([object] $Result, [string] $Name) {
            $line = @($Result.Output | Where-Object { $_ -like "$Name=*" }) | Select-Object -First 1
            if ($line) { $line.Substring($Name.Length + 1) } else { $null }
        }

        # The paste path as $User, in one process of theirs: the link, the consent page answered as the browser's form
        # does (over HTTP, from that process), the code redeemed, then a forced refresh. The pending sign-in still goes
        # through the user's own store between the two Connect calls.
        function script:Connect-AsUser([string] $User) {
            Invoke-AsUser $User @"
try {
    Connect-PfaAzureDevOps -NoBrowser -InformationVariable info -InformationAction SilentlyContinue | Out-Null
    `$link = @(`$info | ForEach-Object { "`$_" } | Where-Object { `$_ -match '^https?://\S+/oauth2/authorize\?' })[0]
    if (-not `$link) { throw "no link: `$(`$info -join ' | ')" }
    `$page = Invoke-WebRequest -Uri `$link -NoProxy
    if (`$page.Content -notmatch 'name="consentId" value="([^"]+)"') { throw 'no consent form' }
    `$answer = Invoke-WebRequest -Uri '$($Ado.HttpUrl)/oauth2/authorize' -Method Post -NoProxy -MaximumRedirection 0 -SkipHttpErrorCheck -ErrorAction SilentlyContinue ``
        -ContentType 'application/x-www-form-urlencoded' -Body "consentId=`$([uri]::EscapeDataString(`$Matches[1]))&decision=accept"
    Connect-PfaAzureDevOps -CallbackUri ([string]`$answer.Headers.Location[0]) -WarningAction SilentlyContinue
    'USER=' + (Get-PfaAzureDevOpsConnection).UserId
    'LEN=' + (Get-PfaAzureDevOpsAccessToken -ForceRefresh -AsPlainText).Length
} catch { 'ERR=' + `$_.FullyQualifiedErrorId.Split(',')[0]; 'MSG=' + `$_.Exception.Message }
"@
        }

        $script:App = Control POST '/_test/apps' @{ name = 'PFA instance'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
        $script:Secret = $App.clientSecret
    }

    AfterAll {
        foreach ($user in $script:Created) { & /usr/sbin/userdel -r $user 2>$null | Out-Null }
        if ($script:Group) { & /usr/sbin/groupdel $script:Group 2>$null | Out-Null }
        if ($script:Base) { Remove-Item $script:Base -Recurse -Force -ErrorAction Ignore }
        Exit-TestSession
    }

    It 'without -UserGroup an ordinary user is told the administrator must share the application' {
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId $App.id -ClientSecret (ConvertTo-SecureString $Secret -AsPlainText -Force) `
            -AuthorizationServer $Ado.HttpUrl -Scope AllUsers -Force -WarningAction SilentlyContinue
        $r = Connect-AsUser $Member
        Read-Value $r 'ERR' | Should -Be 'ClientSecretNotPermitted' -Because $r.Text
        Read-Value $r 'MSG' | Should -Match 'Set-PfaAzureDevOpsApp -UserGroup'
    }

    It 'with -UserGroup the member connects and refreshes; the outsider is refused; the secret is root:group 0640 only' {
        Set-PfaAzureDevOpsApp -Scope AllUsers -UserGroup $Group
        (Get-PfaAzureDevOpsApp -Scope AllUsers).UserGroup | Should -Be $Group

        $memberRun = Connect-AsUser $Member
        $memberRun.Text | Should -Not -Match 'ERR='
        Read-Value $memberRun 'USER' | Should -Not -BeNullOrEmpty -Because $memberRun.Text
        [int](Read-Value $memberRun 'LEN') | Should -BeGreaterThan 20 -Because $memberRun.Text
        $memberRun.Text | Should -Not -Match ([regex]::Escape($Secret))

        $outsiderRun = Connect-AsUser $Outsider
        Read-Value $outsiderRun 'ERR' | Should -Be 'ClientSecretNotPermitted' -Because $outsiderRun.Text
        Read-Value $outsiderRun 'MSG' | Should -Match ([regex]::Escape("usermod -aG $Group $Outsider"))
        $outsiderRun.Text | Should -Not -Match ([regex]::Escape($Secret))

        $shared = Join-Path $AllUsers 'shared'
        $files = @(Get-ChildItem $shared -File)
        $files.Count | Should -Be 1
        (& stat -c '%U:%G %a' $shared) | Should -Be "root:$Group 750"
        (& stat -c '%U:%G %a' $files[0].FullName) | Should -Be "root:$Group 640"
        (& stat -c '%a' (Join-Path $AllUsers 'secrets')) | Should -Be '700'
    }

    It 'a rotated secret replaces the shared copy; Unregister removes it' {
        $app2 = Control POST '/_test/apps' @{ name = 'PFA instance 2'; callbackUrl = 'https://pfa.example.test/oauth2/azureDevOps'; scopes = 'vso.code_write' }
        Register-PfaAzureDevOpsApp -Provider AzureDevOps -InstanceUrl https://pfa.example.test -ClientId $app2.id -ClientSecret (ConvertTo-SecureString $app2.clientSecret -AsPlainText -Force) `
            -AuthorizationServer $Ado.HttpUrl -Scope AllUsers -UserGroup $Group -Force -WarningAction SilentlyContinue
        $files = @(Get-ChildItem (Join-Path $AllUsers 'shared') -File)
        $files.Count | Should -Be 1
        [IO.File]::ReadAllText($files[0].FullName) | Should -Be $app2.clientSecret
        $memberRun = Connect-AsUser $Member
        [int](Read-Value $memberRun 'LEN') | Should -BeGreaterThan 20 -Because $memberRun.Text
        Unregister-PfaAzureDevOpsApp -Scope AllUsers -Force
        Test-Path (Join-Path $AllUsers 'shared') | Should -BeFalse
    }
}
