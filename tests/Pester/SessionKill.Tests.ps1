#requires -Modules Pester
# Issue 9, what kill -9 leaves behind: the private key handed to git/ssh (item 4), plaintext secrets and temporary
# documents of crashed writers (item 5), and the rotated refresh token (item 15). Each run kills a child pwsh with
# SIGKILL at a moment aimed at the window under test (a chosen step, or a random point of a chosen part of it), then
# checks what is left and what still works.
BeforeDiscovery {
    $script:CanRun = $IsLinux -and (Test-Path /usr/sbin/sshd) -and [Environment]::UserName -eq 'root' -and
        [bool](Get-Command git -ErrorAction Ignore) -and [bool](Get-Command ssh-keygen -ErrorAction Ignore)
}

# Both Describes: starts a child pwsh running $Script (the module imported) on the Describe's state home; returns the Process.
BeforeAll {
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
        # The child runs as a user's pwsh does, with the runtime's default (tiered) JIT, even where the test worker runs
        # without tiering to save CPU: the kill windows below (item 15's aimed tenths, item 4's moments) were measured
        # on that timing, and JIT-compiling everything fully optimized at once makes the child's first refresh slower.
        $null = $info.Environment.Remove('DOTNET_TieredCompilation')
        foreach ($k in $Environment.Keys) { $info.Environment[$k] = $Environment[$k] }
        [System.Diagnostics.Process]::Start($info)
    }
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
        # The key only has to clone: RSA (all Azure DevOps takes) 2048 (the module's minimum) is the cheapest to make.
        $keyFile = Join-Path $StateHome 'clone-key'
        & ssh-keygen -q -t rsa -b 2048 -N '' -C 'kill tests' -f $keyFile | Out-Null
        Import-PfaSshKey $keyFile -Force -WarningAction SilentlyContinue
        Get-PfaSshPublicKey | Add-AzDevOpsSshKey -Organization killcorp | Out-Null

        # Processes (other than this one) whose command line mentions $Text. .NET calls, not cmdlets, here and in
        # Get-KeyFolder: the loops call them every few milliseconds and must not take the CPU the child needs.
        function script:Get-ProcessesMentioning([string] $Text) {
            foreach ($dir in [IO.Directory]::EnumerateDirectories('/proc')) {
                $name = [IO.Path]::GetFileName($dir)
                if ($name -notmatch '^\d+$' -or [int]$name -eq $PID) { continue }
                $cmd = try { [IO.File]::ReadAllText("$dir/cmdline") } catch { '' }
                if ($cmd -and $cmd.Contains($Text)) { [pscustomobject]@{ Pid = [int]$name; Command = $cmd.Replace([char]0, ' ') } }
            }
        }

        # The git key folder (pfa-git-*) under $Tmp once its key (id) is written, else $null; folders vanish while it looks.
        function script:Get-KeyFolder([string] $Tmp) {
            try { foreach ($d in [IO.Directory]::EnumerateDirectories($Tmp, 'pfa-git-*')) { if ([IO.File]::Exists([IO.Path]::Combine($d, 'id'))) { return $d } } }
            catch [IO.IOException] { }
            return $null
        }
    }

    AfterAll { Exit-TestSession }

    # The kills are aimed, not random: at each of the three moments that leave different things behind, two runs each.
    # Before git starts, the watchdog has only the key folder to remove; while ssh talks to the server, it must also end
    # git's process group (git, the shell git runs ssh with, ssh); a random point 0-60 ms after the key appears covers
    # what lies between (git starting, the transfer, git ending). A phase's run that misses its moment (the child was
    # already past it) is tried again, up to eight times (a miss costs little: the child is killed as soon as it is
    # seen past the moment), so that a loaded machine's slower polling still lands each phase. Fifteen random runs
    # before this landed in the same windows.
    It 'item 4: killed before git starts, while ssh transfers, or at a random point: no key stays readable and git/ssh end with the process' {
        $keysLeft = 0
        $processesLeft = 0
        $details = [System.Collections.Generic.List[string]]::new()
        $landed = @{}
        $run = 0
        foreach ($phase in 'before-git', 'ssh', 'random') {
            $landed[$phase] = 0
            for ($attempt = 0; $attempt -lt 8 -and $landed[$phase] -lt 2; $attempt++) {
                $run++
                $tmp = Join-Path $StateHome ("tmp-kill-$run")
                New-Item -ItemType Directory -Path $tmp | Out-Null
                $destination = Join-Path $StateHome ("clone-kill-$run")
                $child = Start-Child "Copy-PfaAzureDevOpsRepository -RepositoryUrl '$RepoUrl' -Destination '$destination' -HostKeyFingerprint '$HostFp' | Out-Null" @{ TMPDIR = $tmp }
                $deadline = [DateTime]::UtcNow.AddSeconds(90)
                $folder = $null
                while (-not $child.HasExited -and [DateTime]::UtcNow -lt $deadline) {
                    $folder = Get-KeyFolder $tmp
                    if ($folder) { break }
                    Start-Sleep -Milliseconds 5
                }
                $hit = $false
                if ($folder) {
                    switch ($phase) {
                        'before-git' {
                            # git.pgid is written the moment git starts: no file yet means git has not started.
                            $hit = -not [IO.File]::Exists([IO.Path]::Combine($folder, 'git.pgid'))
                        }
                        'ssh' {
                            $keyPath = [IO.Path]::Combine($folder, 'id')
                            while (-not $child.HasExited -and [IO.Directory]::Exists($folder)) {
                                if (@(Get-ProcessesMentioning $keyPath | Where-Object { $_.Command.StartsWith('ssh ') }).Count) { $hit = $true; break }
                                Start-Sleep -Milliseconds 2
                            }
                        }
                        'random' {
                            Start-Sleep -Milliseconds (Get-Random -Minimum 0 -Maximum 60)
                            $hit = [IO.Directory]::Exists($folder)
                        }
                    }
                }
                if (-not $child.HasExited) { $child.Kill() }   # SIGKILL: Process.Kill sends SIGKILL on Unix
                $child.WaitForExit()
                if ($hit -and $phase -eq 'before-git') {
                    # git may have started between the look and the kill: a hit only if, with the child dead, the key
                    # folder is still there without git.pgid and no git names the destination (a folder the watchdog
                    # already removed counts as a miss).
                    $hit = [IO.Directory]::Exists($folder) -and -not [IO.File]::Exists([IO.Path]::Combine($folder, 'git.pgid')) -and
                        -not @(Get-ProcessesMentioning $destination).Count
                }
                if ($hit -and $child.ExitCode -ne 0) { $landed[$phase]++ }   # exit code 0: it ended by itself before the kill
                # The watchdog has 1.5 s to remove the key and end git/ssh; looked at every 100 ms, judged at the end.
                $cleanBy = [DateTime]::UtcNow.AddMilliseconds(1500)
                do {
                    Start-Sleep -Milliseconds 100
                    $left = @(Get-ChildItem $tmp -Recurse -File -Filter 'id' -ErrorAction Ignore)
                    $procs = @(Get-ProcessesMentioning $tmp) + @(Get-ProcessesMentioning $destination)
                } while (($left.Count -or $procs.Count) -and [DateTime]::UtcNow -lt $cleanBy)
                $keysLeft += $left.Count
                $processesLeft += $procs.Count
                if ($left.Count -or $procs.Count) { $details.Add("run $run ($phase): keys=$($left.Count) processes=$(($procs | ForEach-Object Command) -join ' | ')") }
                foreach ($p in $procs) { Stop-Process -Id $p.Pid -Force -ErrorAction Ignore }
                $child.Dispose()
            }
        }
        Write-Host "item 4: $run runs; kills landed before git started: $($landed['before-git']), while ssh ran: $($landed['ssh']), at a random point while the key existed: $($landed['random']); keys left: $keysLeft; git/ssh processes left: $processesLeft"
        foreach ($phase in 'before-git', 'ssh', 'random') { $landed[$phase] | Should -BeGreaterThan 0 -Because "a kill must land in the $phase window" }
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
        # The next run is this session's own clone (the sweep runs before every git command; no fresh process is needed).
        $savedTmp = $env:TMPDIR
        $env:TMPDIR = $tmp
        try { Copy-PfaAzureDevOpsRepository -RepositoryUrl $RepoUrl -Destination (Join-Path $StateHome 'clone-sweep') -HostKeyFingerprint $HostFp -ErrorAction Stop | Out-Null }
        finally { $env:TMPDIR = $savedTmp }
        Test-Path (Join-Path $StateHome 'clone-sweep/.git') | Should -BeTrue
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

        # The next refresh is this session's own (every refresh sweeps; no fresh process is needed).
        $null = Get-PfaAzureDevOpsAccessToken -ForceRefresh -ErrorAction Stop
        Test-Path $orphan | Should -BeFalse
        Test-Path $tmpDoc | Should -BeFalse
        Test-Path $fresh | Should -BeTrue -Because 'a secret younger than ten minutes may belong to a live writer'
        Test-Path $other | Should -BeTrue -Because 'only the module''s own secret names are swept'
        $doc = Get-Content -Raw (Join-Path $StateHome 'CurrentUser/connection.json') | ConvertFrom-Json
        Test-Path (Join-Path $secrets "$($doc.refreshTokenSecret).bin") | Should -BeTrue
        Test-Path (Join-Path $secrets "$($doc.accessTokenSecret).bin") | Should -BeTrue
        $before.Count | Should -BeGreaterThan 3
    }
}

# Item 15 makes no clone: it needs no sshd, git, ssh-keygen or root, only SIGKILL (Process.Kill on Linux), so that no
# host skips the kill-while-refreshing guard for want of what item 4 uses.
Describe 'kill -9 while a token refreshes' -Skip:(-not $IsLinux) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/TestHelpers.psm1') -Force
        $script:Session = Enter-TestSession -LocalAzureDevOps -StateHome
        $script:Ado = $Session.Ado
        $script:StateHome = $Session.StateHome
        $script:Pwsh = Join-Path $PSHOME 'pwsh'
        $script:Manifest = Get-TestModuleManifest
        $null = Control POST '/_test/orgs' @{ name = 'killcorp' }
        $null = Register-TestApp
        Connect-TestUser -Organization killcorp
    }

    AfterAll { Exit-TestSession }

    # A smoke series across real processes. The states a kill can leave are checked one by one in the xunit
    # TokenBrokerTests: killed before the server answered (an empty journal entry; the recorded refresh token still
    # works), killed after it answered (the journaled new refresh token is used), a refused refresh (connection.json put
    # back byte for byte), and 8 brokers over one folder (one refresh). What only real processes show is that a kill -9
    # anywhere leaves no lock held, no torn file and no unreadable store, and how rarely a kill lands in the one window
    # no client can close (the server has rotated the refresh token, the answer is not on disk yet). Ten kills spread
    # evenly over a whole run (each in its own tenth of it, at a random point of that tenth) and ten over the 400 ms
    # after the refresh starts (longer on a loaded machine) do that with a third of the processes the earlier 30 + 30
    # random kills took
    # (Connection.Tests' three kills of a process refreshing in a loop were this same check; they are folded in here).
    It 'item 15: killed at any point of a token refresh, the store stays readable and the connection survives (10 + 10 runs)' {
        $script = "Get-PfaAzureDevOpsAccessToken -ForceRefresh -Verbose 4>&1 | ForEach-Object { [Console]::Out.WriteLine([string]`$_); [Console]::Out.Flush() }"
        # Two runs of a forced refresh, start to exit, unkilled: their mean is the length of the whole-run series' window
        # (one run alone can be a quiet moment of a machine that is busier afterwards).
        $runsMs = @(); $refreshesMs = @(); $tailsMs = @(); $refreshAt = -1
        for ($m = 0; $m -lt 2; $m++) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $c = Start-Child $script
            $lines = [System.Collections.Generic.List[string]]::new()
            $refreshAt = -1; $refreshedAt = -1
            while ($null -ne ($line = $c.StandardOutput.ReadLine())) {
                if ($line -match 'Refreshing the access token') { $refreshAt = $watch.ElapsedMilliseconds }
                if ($line -match '^Refreshed;') { $refreshedAt = $watch.ElapsedMilliseconds }
                $lines.Add($line)
            }
            $c.WaitForExit()
            $runsMs += [int]$watch.ElapsedMilliseconds
            $c.ExitCode | Should -Be 0 -Because (($lines -join "`n") + $c.StandardError.ReadToEnd())
            $c.Dispose()
            $refreshAt | Should -BeGreaterThan 0 -Because ($lines -join "`n")
            $tailsMs += [int]($runsMs[-1] - $refreshAt)   # from the refresh's start to the process's end
            if ($refreshedAt -gt 0) { $refreshesMs += [int]($refreshedAt - $refreshAt) }
        }
        $runMs = [int](($runsMs | Measure-Object -Average).Average)

        # The emulator's refresh counter, through one HttpClient (Invoke-RestMethod makes a client a call; 40 calls here).
        $counterClient = [System.Net.Http.HttpClient]::new([System.Net.Http.HttpClientHandler]@{ UseProxy = $false })
        function Get-RefreshCount { [int]($counterClient.GetStringAsync("$($Ado.HttpUrl)/_test/counters").GetAwaiter().GetResult() | ConvertFrom-Json).refreshToken }

        function Invoke-KillSeries([int] $Runs, [int] $WindowMs, [switch] $AtRefresh) {
            $lost = 0; $broken = 0; $reached = 0; $killed = 0
            $log = [System.Collections.Generic.List[string]]::new()
            for ($i = 0; $i -lt $Runs; $i++) {
                $before = Get-RefreshCount
                $child = Start-Child $script
                $watch = [Diagnostics.Stopwatch]::StartNew()
                if ($AtRefresh) {
                    $deadline = [DateTime]::UtcNow.AddSeconds(90)
                    $started = $false
                    while (-not $child.HasExited -and [DateTime]::UtcNow -lt $deadline) {
                        $line = $child.StandardOutput.ReadLine()
                        if ($null -eq $line) { break }
                        if ($line -match 'Refreshing the access token') { $started = $true; break }
                    }
                    if (-not $started) { $log.Add("run ${i}: the refresh never started") ; $broken++ }
                    $watch.Restart()
                }
                # This run's tenth of the window, at a random point of it.
                $at = [int](($i + (Get-Random -Minimum 0.0 -Maximum 1.0)) * $WindowMs / $Runs)
                $wait = $at - [int]$watch.ElapsedMilliseconds
                if ($wait -gt 0) { Start-Sleep -Milliseconds $wait }
                if (-not $child.HasExited) { $child.Kill(); $killed++ }
                $child.WaitForExit()
                $child.Dispose()
                if ((Get-RefreshCount) -gt $before) { $reached++ }
                # Alive means the next process can still read the connection and refresh with what the killed one left on
                # disk. Checked in this session: a forced refresh reads connection.json and the refresh token from disk
                # under the store's lock (only access tokens are cached in memory, and -ForceRefresh skips that cache), as a
                # fresh pwsh would, for 0.01 CPU s instead of 0.45 a run. Lost (allowed rarely) is only the server's refusal
                # of a refresh token it rotated for the killed process; anything else is a broken store.
                $check = try {
                    if ((Get-PfaAzureDevOpsConnection -ErrorAction Stop).UserDisplayName -ne 'Test User') { throw 'the connection does not name its user' }
                    # The stored access token a plain call would read (a plain call here could be served from this
                    # session's memory, and -ForceRefresh skips and rewrites it): the secret connection.json names is there.
                    $doc = [IO.File]::ReadAllText([IO.Path]::Combine($StateHome, 'CurrentUser', 'connection.json')) | ConvertFrom-Json
                    $accessFile = [IO.Path]::Combine($StateHome, 'CurrentUser', 'secrets', "$($doc.accessTokenSecret).bin")
                    if (-not $doc.accessTokenSecret -or -not [IO.File]::Exists($accessFile) -or [IO.FileInfo]::new($accessFile).Length -eq 0) {
                        throw "the access token secret connection.json names ($($doc.accessTokenSecret)) is missing or empty"
                    }
                    $null = Get-PfaAzureDevOpsAccessToken -ForceRefresh -ErrorAction Stop
                    'ALIVE'
                }
                catch { 'FAILED=' + $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message }
                if ($check -ne 'ALIVE') {
                    if ($check -like 'FAILED=OAuthRefreshTokenReused,*') { $lost++ } else { $broken++ }
                    $log.Add("run ${i} (killed at $at ms): $check")
                    Connect-TestUser -Organization killcorp   # connect again for the next run
                }
            }
            [pscustomobject]@{ Lost = $lost; Broken = $broken; Reached = $reached; Killed = $killed; Log = $log }
        }

        try {
            $uniform = Invoke-KillSeries -Runs 10 -WindowMs $runMs
            # 400 ms on a quiet machine (where a run takes about 500 ms); on a loaded one the refresh and its window stretch
            # (measured at load 25: a 2 s run, a 180 ms refresh, kills at 137 and 168 ms lost), so the series does too: as
            # long as the measured runs lived after their refresh started (their mean), so that the kills still find the
            # process alive (a window as long as a whole run, start-up included, killed only 2 of 10 live children at load
            # 10) and the losing window stays within a tenth or two.
            $aimedMs = [Math]::Max(400, [int](($tailsMs | Measure-Object -Average).Average))
            $aimed = Invoke-KillSeries -Runs 10 -WindowMs $aimedMs -AtRefresh
            # A third loss is rare but seen when healthy (2 of 10 in one quiet run of five on 2 December, 3 once at load 24),
            # while the regression below loses 3 to 4 nearly every series: over the limit, a second aimed series decides,
            # and only a regression is expected to lose more than 2 again.
            $confirm = $null
            if ($aimed.Lost -gt 2) {
                Write-Host "item 15: $($aimed.Lost) of 10 aimed kills lost (limit 2): a second aimed series decides"
                foreach ($line in @($aimed.Log)) { Write-Host "item 15 (first aimed series): $line" }
                $confirm = Invoke-KillSeries -Runs 10 -WindowMs $aimedMs -AtRefresh
            }
        }
        finally { $counterClient.Dispose() }
        $refreshMs = if ($refreshesMs.Count) { $refreshesMs -join ' and ' } else { '?' }
        Write-Host "item 15: a forced refresh runs $($runsMs -join ' and ') ms (the refresh itself $refreshMs ms, from $refreshAt ms); kill -9 spread over a whole run: $($uniform.Lost) of 10 runs lost the connection, $($uniform.Broken) broke the store (the server had received the refresh in $($uniform.Reached); $($uniform.Killed) killed before they ended); spread over the $aimedMs ms after the refresh starts: $($aimed.Lost) of 10 lost, $($aimed.Broken) broken (server reached in $($aimed.Reached); $($aimed.Killed) killed before they ended)"
        foreach ($line in @($uniform.Log) + @($aimed.Log)) { Write-Host "item 15: $line" }
        if ($confirm) {
            Write-Host "item 15: the second aimed series: $($confirm.Lost) of 10 lost, $($confirm.Broken) broken (server reached in $($confirm.Reached); $($confirm.Killed) killed before they ended)"
            foreach ($line in @($confirm.Log)) { Write-Host "item 15 (second aimed series): $line" }
            $confirm.Broken | Should -Be 0 -Because ($confirm.Log -join "`n")
        }
        $uniform.Broken + $aimed.Broken | Should -Be 0 -Because ((@($uniform.Log) + @($aimed.Log)) -join "`n")
        # Measured with 30 random kills a series: 0-1 of 30 lost over a whole run, 0-3 of 30 aimed at the refresh, and 11
        # of 30 aimed before the refresh token was journaled and its write prepared. The window that loses is a few ms
        # wide, 20-60 ms after the refresh starts in a fresh process on a quiet machine (20 kills 5 ms apart over 0-100 ms
        # lost 1), so of the aimed series only its first two tenths (0-40, 40-80 ms) can lose; a third loss means a window
        # of a tenth of the series or more. The thresholds are looser per kill than the old ones (uniform: 1 of 10, it was
        # 1 of 30), but the kills are stratified (one in each tenth), not random, and Broken must be 0: the regression the
        # old series caught (11 of 30 aimed kills lost: a losing window of about a third of the aimed window) covers two
        # whole tenths and parts of others, so it loses 3 to 4 of the aimed ten on average (never fewer than 2) and fails
        # the aimed series' 2 of 10 nearly always; the uniform series' 1 of 10 guards the rest of the run, not that bug.
        $uniform.Lost | Should -BeLessOrEqual 1 -Because ($uniform.Log -join "`n")
        $decisive = if ($confirm) { $confirm } else { $aimed }
        $decisive.Lost | Should -BeLessOrEqual 2 -Because ($decisive.Log -join "`n")
    }
}
