#requires -Modules Pester
# Issue 9, what kill -9 leaves behind: the private key handed to git/ssh (item 4), plaintext secrets and temporary
# documents of crashed writers (item 5), and the rotated refresh token (item 15). Each run kills a child pwsh with
# SIGKILL at a point chosen at random inside the window under test, then checks what is left and what still works.
BeforeDiscovery {
    $script:CanRun = $IsLinux -and (Test-Path /usr/sbin/sshd) -and [Environment]::UserName -eq 'root' -and
        [bool](Get-Command git -ErrorAction Ignore) -and [bool](Get-Command ssh-keygen -ErrorAction Ignore)
}

Describe 'kill -9 leaves no secret behind' -Skip:(-not $CanRun) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
        $script:Session = Enter-TestSession -LocalAzureDevOps -WithSsh -StateHome
        $script:Ado = $Session.Ado
        $script:StateHome = $Session.StateHome
        $script:Pwsh = Join-Path $PSHOME 'pwsh'
        $script:Manifest = Get-TestModuleManifest

        $null = Control POST '/_test/orgs' @{ name = 'killcorp' }
        $null = Control POST '/_test/orgs/killcorp/repos' @{ project = 'Modules'; repo = 'base' }
        $script:RepoUrl = "ssh://$($Ado.SshUser)@127.0.0.1:$($Ado.SshPort)/v3/killcorp/Modules/base"
        $script:HostFp = $Ado.SshHostKeyFingerprint

        $null = Register-TestApp
        Connect-TestUser -Organization killcorp
        New-PfaSshKey -Bits 3072 -WarningAction SilentlyContinue
        Get-PfaSshPublicKey | Add-AzDevOpsSshKey -Organization killcorp | Out-Null

        # Starts a child pwsh running $Script (the module imported); returns the Process.
        function script:Start-Child([string] $Script, [hashtable] $Environment = @{}) {
            $file = Join-Path $StateHome ('child-' + [guid]::NewGuid().ToString('N') + '.ps1')
            Set-Content -Path $file -Value ("`$ErrorActionPreference = 'Stop'; Import-Module '$Manifest'`n" + $Script) -Encoding utf8
            $info = [System.Diagnostics.ProcessStartInfo]::new($Pwsh)
            foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $info.ArgumentList.Add($a) }
            $info.UseShellExecute = $false
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $info.Environment['PFA_AZUREDEVOPS_HOME'] = $StateHome
            $info.Environment['CI'] = 'true'
            foreach ($k in $Environment.Keys) { $info.Environment[$k] = $Environment[$k] }
            [System.Diagnostics.Process]::Start($info)
        }

        # Processes (other than this one) whose command line mentions $Text. .NET calls, not cmdlets, here and in
        # Test-KeyFolder: the loops call them every few milliseconds and must not take the CPU the child needs.
        function script:Get-ProcessesMentioning([string] $Text) {
            foreach ($dir in [IO.Directory]::EnumerateDirectories('/proc')) {
                $name = [IO.Path]::GetFileName($dir)
                if ($name -notmatch '^\d+$' -or [int]$name -eq $PID) { continue }
                $cmd = try { [IO.File]::ReadAllText("$dir/cmdline") } catch { '' }
                if ($cmd -and $cmd.Contains($Text)) { [pscustomobject]@{ Pid = [int]$name; Command = $cmd.Replace([char]0, ' ') } }
            }
        }

        # Whether a git key folder (pfa-git-*/id) exists under $Tmp; folders vanish while it looks.
        function script:Test-KeyFolder([string] $Tmp) {
            try { foreach ($d in [IO.Directory]::EnumerateDirectories($Tmp, 'pfa-git-*')) { if ([IO.File]::Exists([IO.Path]::Combine($d, 'id'))) { return $true } } }
            catch [IO.IOException] { }
            return $false
        }
    }

    AfterAll { Exit-TestSession }

    It 'item 4: killed while git runs, no key stays readable and git/ssh end with the process (15 runs)' {
        $runs = 15
        $hits = 0
        $keysLeft = 0
        $processesLeft = 0
        $details = [System.Collections.Generic.List[string]]::new()
        for ($i = 0; $i -lt $runs; $i++) {
            $tmp = Join-Path $StateHome ("tmp-kill-$i")
            New-Item -ItemType Directory -Path $tmp | Out-Null
            $destination = Join-Path $StateHome ("clone-kill-$i")
            $child = Start-Child "Copy-PfaAzureDevOpsRepository -RepositoryUrl '$RepoUrl' -Destination '$destination' -HostKeyFingerprint '$HostFp' | Out-Null" @{ TMPDIR = $tmp }
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            $seen = $false
            while (-not $child.HasExited -and [DateTime]::UtcNow -lt $deadline) {
                if (Test-KeyFolder $tmp) { $seen = $true; break }
                Start-Sleep -Milliseconds 5
            }
            if ($seen) {
                Start-Sleep -Milliseconds (Get-Random -Minimum 0 -Maximum 60)
                if (-not $child.HasExited) { $hits++ }
            }
            if (-not $child.HasExited) { $child.Kill() }   # SIGKILL: Process.Kill sends SIGKILL on Unix
            $child.WaitForExit()
            # The watchdog has 1.5 s to remove the key and end git/ssh; looked at every 100 ms, judged at the end.
            $cleanBy = [DateTime]::UtcNow.AddMilliseconds(1500)
            do {
                Start-Sleep -Milliseconds 100
                $left = @(Get-ChildItem $tmp -Recurse -File -Filter 'id' -ErrorAction Ignore)
                $procs = @(Get-ProcessesMentioning $tmp) + @(Get-ProcessesMentioning $destination)
            } while (($left.Count -or $procs.Count) -and [DateTime]::UtcNow -lt $cleanBy)
            $keysLeft += $left.Count
            $processesLeft += $procs.Count
            if ($left.Count -or $procs.Count) { $details.Add("run ${i}: keys=$($left.Count) processes=$(($procs | ForEach-Object Command) -join ' | ')") }
            foreach ($p in $procs) { Stop-Process -Id $p.Pid -Force -ErrorAction Ignore }
            $child.Dispose()
        }
        Write-Host "item 4: $hits of $runs kills landed while the key folder existed; keys left: $keysLeft; git/ssh processes left: $processesLeft"
        $hits | Should -BeGreaterThan ($runs / 2) -Because 'the kills must land while git runs'
        $keysLeft | Should -Be 0 -Because ($details -join "`n")
        $processesLeft | Should -Be 0 -Because ($details -join "`n")
    }

    It 'item 4: the next run sweeps the folder of a process that died without its watchdog' {
        $tmp = Join-Path $StateHome 'tmp-sweep'
        $dead = Join-Path $tmp 'pfa-git-0123456789abcdef0123456789abcdef'
        New-Item -ItemType Directory -Path $dead -Force | Out-Null
        Set-Content -Path (Join-Path $dead 'id') -Value 'not a real key'
        # A process that has ended: its pid and start time no longer match a running process.
        $gone = Start-Process -FilePath /bin/true -PassThru; $gone.WaitForExit()
        Set-Content -Path (Join-Path $dead 'owner') -Value "$($gone.Id) 638000000000000000" -NoNewline
        $alive = Join-Path $tmp 'pfa-git-fedcba9876543210fedcba9876543210'
        New-Item -ItemType Directory -Path $alive -Force | Out-Null
        $self = [System.Diagnostics.Process]::GetCurrentProcess()
        Set-Content -Path (Join-Path $alive 'owner') -Value "$($self.Id) $($self.StartTime.ToUniversalTime().Ticks)" -NoNewline
        $child = Start-Child "Copy-PfaAzureDevOpsRepository -RepositoryUrl '$RepoUrl' -Destination '$(Join-Path $StateHome 'clone-sweep')' -HostKeyFingerprint '$HostFp' | Out-Null" @{ TMPDIR = $tmp }
        $child.WaitForExit(120000) | Out-Null
        $child.ExitCode | Should -Be 0 -Because $child.StandardError.ReadToEnd()
        Test-Path $dead | Should -BeFalse
        Test-Path $alive | Should -BeTrue -Because 'a live process''s folder is never swept'
    }

    It 'item 5: leftovers of crashed writers are swept at the next Connect or refresh; a fresh one is kept' {
        $secrets = Join-Path $StateHome 'CurrentUser/secrets'
        $old = [DateTime]::UtcNow.AddHours(-1)
        $orphan = Join-Path $secrets 'connection-refresh-0badc0ffee00.bin'
        Set-Content -Path $orphan -Value 'orphaned-refresh-token' -NoNewline
        (Get-Item $orphan).LastWriteTimeUtc = $old
        $fresh = Join-Path $secrets 'connection-access-00000000fresh.bin'
        Set-Content -Path $fresh -Value 'a-writer-is-about-to-name-me' -NoNewline
        $tmpDoc = Join-Path $StateHome 'CurrentUser/.connection.json.0123456789abcdef0123456789abcdef.tmp'
        Set-Content -Path $tmpDoc -Value '{}' -NoNewline
        (Get-Item $tmpDoc -Force).LastWriteTimeUtc = $old
        $other = Join-Path $secrets 'someone-elses-file.bin'
        Set-Content -Path $other -Value 'x' -NoNewline
        (Get-Item $other).LastWriteTimeUtc = $old
        $before = @(Get-ChildItem $secrets -File).Name

        $r = Invoke-FreshPwsh -Script "Import-Module '$Manifest'; `$null = Get-PfaAzureDevOpsAccessToken -ForceRefresh -ErrorAction Stop; 'OK'"
        $r.Text | Should -Match 'OK'
        Test-Path $orphan | Should -BeFalse
        Test-Path $tmpDoc | Should -BeFalse
        Test-Path $fresh | Should -BeTrue -Because 'a secret younger than ten minutes may belong to a live writer'
        Test-Path $other | Should -BeTrue -Because 'only the module''s own secret names are swept'
        $doc = Get-Content -Raw (Join-Path $StateHome 'CurrentUser/connection.json') | ConvertFrom-Json
        Test-Path (Join-Path $secrets "$($doc.refreshTokenSecret).bin") | Should -BeTrue
        Test-Path (Join-Path $secrets "$($doc.accessTokenSecret).bin") | Should -BeTrue
        $before.Count | Should -BeGreaterThan 3
    }

    It 'item 15: killed at a random point of a token refresh, the connection survives (30 runs, at most 1 lost)' {
        # One run of a forced refresh, start to exit, measured here: the kills land uniformly anywhere in such a run
        # (the issue's measure); a second series aims at the refresh itself (0-400 ms after its verbose line).
        $script = "Get-PfaAzureDevOpsAccessToken -ForceRefresh -Verbose 4>&1 | ForEach-Object { [Console]::Out.WriteLine([string]`$_); [Console]::Out.Flush() }"
        $durations = foreach ($n in 1..2) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $c = Start-Child $script
            $null = $c.StandardOutput.ReadToEnd(); $c.WaitForExit(); $c.Dispose()
            $watch.ElapsedMilliseconds
        }
        $runMs = [int](($durations | Measure-Object -Average).Average)

        function Invoke-KillSeries([int] $Runs, [switch] $AtRefresh) {
            $lost = 0; $reached = 0
            $log = [System.Collections.Generic.List[string]]::new()
            for ($i = 0; $i -lt $Runs; $i++) {
                $before = [int](Control GET '/_test/counters').refreshToken
                $child = Start-Child $script
                if ($AtRefresh) {
                    $deadline = [DateTime]::UtcNow.AddSeconds(90)
                    $started = $false
                    while (-not $child.HasExited -and [DateTime]::UtcNow -lt $deadline) {
                        $line = $child.StandardOutput.ReadLine()
                        if ($null -eq $line) { break }
                        if ($line -match 'Refreshing the access token') { $started = $true; break }
                    }
                    if ($started) { Start-Sleep -Milliseconds (Get-Random -Minimum 0 -Maximum 400) }
                }
                else {
                    Start-Sleep -Milliseconds (Get-Random -Minimum 0 -Maximum $runMs)
                }
                if (-not $child.HasExited) { $child.Kill() }
                $child.WaitForExit()
                $child.Dispose()
                if ([int](Control GET '/_test/counters').refreshToken -gt $before) { $reached++ }
                # Alive means the next process can still refresh with what the killed one left on disk. Checked in this
                # session: a forced refresh reads connection.json and the refresh token from disk under the store's lock
                # (only access tokens are cached in memory, and -ForceRefresh skips that cache), as a fresh pwsh would,
                # for 0.01 CPU s instead of 0.45 a run.
                $check = try { $null = Get-PfaAzureDevOpsAccessToken -ForceRefresh -ErrorAction Stop; 'ALIVE' } catch { 'LOST=' + $_.FullyQualifiedErrorId }
                if ($check -ne 'ALIVE') {
                    $lost++
                    $log.Add("run ${i}: $check")
                    Connect-TestUser -Organization killcorp   # connect again for the next run
                }
            }
            [pscustomobject]@{ Lost = $lost; Reached = $reached; Log = $log }
        }

        $uniform = Invoke-KillSeries -Runs 30
        $aimed = Invoke-KillSeries -Runs 30 -AtRefresh
        Write-Host "item 15: a forced refresh runs $runMs ms; kill -9 at a uniformly random point: $($uniform.Lost) of 30 runs lost the connection (the server had received the refresh in $($uniform.Reached)); aimed at the refresh (0-400 ms after it starts): $($aimed.Lost) of 30 lost (server reached in $($aimed.Reached))"
        foreach ($line in @($uniform.Log) + @($aimed.Log)) { Write-Host "item 15, lost: $line" }
        $uniform.Lost | Should -BeLessOrEqual 1 -Because ($uniform.Log -join "`n")
        # Aimed kills land in the remaining window (the answer's transfer and one write) far more often than a random
        # point does, and the window stretches with the machine's load: measured 0 and 3 of 30 here, 11 of 30 before
        # the refresh token was journaled and its write prepared.
        $aimed.Lost | Should -BeLessOrEqual 5 -Because ($aimed.Log -join "`n")
    }
}
