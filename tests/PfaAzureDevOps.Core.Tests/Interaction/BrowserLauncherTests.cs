using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Interaction;
using PfaAzureDevOps.Core.SignIn;
using PfaAzureDevOps.Core.Tests.SignIn;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Interaction
{
    /// <summary>
    /// $BROWSER runs with none of our standard streams: a child that shares the terminal makes .NET put the terminal back
    /// into line mode while it runs, and PowerShell's progress bar then waits forever for a cursor-position answer
    /// (Connect froze and ignored Ctrl+C in a real terminal).
    /// </summary>
    [Trait(Lane.Name, Lane.Integration)]
    [Collection(nameof(BrowserVariableCollection))]
    public sealed class BrowserLauncherTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-xunit-browser-" + Guid.NewGuid().ToString("N"));
        private readonly string? _saved = Environment.GetEnvironmentVariable(BrowserLauncher.BrowserVariable);

        public BrowserLauncherTests()
        {
            Directory.CreateDirectory(_root);
        }

        public void Dispose()
        {
            Environment.SetEnvironmentVariable(BrowserLauncher.BrowserVariable, _saved);
            Directory.Delete(_root, recursive: true);
        }

        [Fact]
        public void The_browser_shares_none_of_our_standard_streams_and_gets_the_url_as_one_argument()
        {
            if (OperatingSystem.IsWindows() || !File.Exists("/proc/self/fd/0"))
            {
                return; // Linux only: the check reads /proc.
            }

            Lane.RequireIntegration("a $BROWSER script");
            string report = Path.Combine(_root, "report.txt");
            string script = Path.Combine(_root, "browser.sh");
            File.WriteAllText(script,
                "#!/bin/sh\n" +
                $"{{ for fd in 0 1 2; do echo \"$(readlink /proc/self/fd/$fd) $(readlink /proc/$PPID/fd/$fd)\"; done; echo \"url=$1\"; echo \"args=$#\"; }} > '{report}.tmp'\n" +
                $"mv '{report}.tmp' '{report}'\n" +
                "echo 'a browser writes to its output' ; echo 'and to its errors' >&2\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Environment.SetEnvironmentVariable(BrowserLauncher.BrowserVariable, script);

            var url = new Uri("https://127.0.0.1:1/oauth2/authorize?a=1&b=two words#x");
            using (OpenedBrowser? started = BrowserLauncher.Open(url))
            {
                Assert.NotNull(started);
                Assert.True(started!.Process!.WaitForExit(30_000), "the $BROWSER script did not end");
            }

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(report) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }

            string[] lines = File.ReadAllLines(report);
            for (int fd = 0; fd < 3; fd++)
            {
                string[] pair = lines[fd].Split(' ');
                Assert.True(pair[0] != pair[1], $"the browser's fd {fd} is ours ({pair[0]})");
            }

            Assert.Equal("url=" + url.AbsoluteUri, lines[3]);
            Assert.Equal("args=1", lines[4]);
        }
    }

    /// <summary>
    /// A $BROWSER command that ends at once with a non-zero exit code: noticed within the window, reported with its exit
    /// code and last stderr line (bounded, the link named instead of repeated); a person is warned with the link and the
    /// wait goes on, a script fails at once with BrowserCommandFailed.
    /// </summary>
    [Trait(Lane.Name, Lane.Integration)]
    [Collection(nameof(BrowserVariableCollection))]
    public sealed class BrowserFailureTests : IDisposable
    {
        private static readonly Uri SignInUrl = new Uri("https://127.0.0.1:1/oauth2/authorize?client_id=x&state=abc");
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-xunit-browserfail-" + Guid.NewGuid().ToString("N"));
        private readonly string? _saved = Environment.GetEnvironmentVariable(BrowserLauncher.BrowserVariable);

        public BrowserFailureTests()
        {
            Directory.CreateDirectory(_root);
        }

        public void Dispose()
        {
            Environment.SetEnvironmentVariable(BrowserLauncher.BrowserVariable, _saved);
            Directory.Delete(_root, recursive: true);
        }

        private bool UseBrowserScript(string body)
        {
            if (OperatingSystem.IsWindows())
            {
                return false; // the scripts are sh
            }

            Lane.RequireIntegration("a $BROWSER script");
            string script = Path.Combine(_root, "browser.sh");
            File.WriteAllText(script, "#!/bin/sh\n" + body + "\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Environment.SetEnvironmentVariable(BrowserLauncher.BrowserVariable, script);
            return true;
        }

        [Fact]
        public async Task An_early_non_zero_exit_is_reported_with_its_code_and_last_error_line_without_the_link()
        {
            if (!UseBrowserScript("echo 'first line' >&2; echo \"cannot open $1\" >&2; exit 3"))
            {
                return;
            }

            using (OpenedBrowser? browser = BrowserLauncher.Open(SignInUrl))
            {
                Assert.NotNull(browser);
                BrowserFailure? failure = await browser!.WaitForEarlyFailureAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
                Assert.NotNull(failure);
                Assert.Equal(3, failure!.ExitCode);
                Assert.Equal("cannot open <the link>", failure.LastErrorLine);
                Assert.Equal("The browser command '" + Path.Combine(_root, "browser.sh") + "' ended at once with exit code 3: cannot open <the link>", failure.Describe());
            }
        }

        [Fact]
        public async Task A_stack_trace_and_a_version_banner_after_the_cause_do_not_hide_it()
        {
            // What 'node consent.mjs' prints when its package is missing: the cause, the stack, a blank line, the banner.
            if (!UseBrowserScript("printf 'node:internal/modules/esm/resolve:873\\n  throw new ERR_MODULE_NOT_FOUND(packageName);\\n        ^\\n\\n' >&2; " +
                "echo \"Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'playwright-core' imported from /opt/consent.mjs\" >&2; " +
                "printf '    at packageResolve (node:internal/modules/esm/resolve:873:9)\\n    at moduleResolve (node:internal/modules/esm/resolve:922:20)\\n\\nNode.js v20.20.2\\n' >&2; exit 1"))
            {
                return;
            }

            using (OpenedBrowser? browser = BrowserLauncher.Open(SignInUrl))
            {
                BrowserFailure? failure = await browser!.WaitForEarlyFailureAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
                Assert.Equal(1, failure!.ExitCode);
                Assert.Equal("Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'playwright-core' imported from /opt/consent.mjs", failure.LastErrorLine);
            }
        }

        [Fact]
        public async Task The_last_error_line_is_bounded_and_has_no_control_characters()
        {
            if (!UseBrowserScript("printf 'x%.0s' $(seq 1 20000) >&2; printf '\\033[2J\\n' >&2; exit 1"))
            {
                return;
            }

            using (OpenedBrowser? browser = BrowserLauncher.Open(SignInUrl))
            {
                BrowserFailure? failure = await browser!.WaitForEarlyFailureAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
                Assert.Equal(1, failure!.ExitCode);
                Assert.Equal(OpenedBrowser.MaxErrorLineLength + 3, failure.LastErrorLine!.Length);
                Assert.EndsWith("xxx...", failure.LastErrorLine, StringComparison.Ordinal);
                Assert.Equal("[2J", OpenedBrowser.Clean("\u001b[2J", SignInUrl.AbsoluteUri));
            }
        }

        [Fact]
        public async Task A_browser_that_hands_over_with_0_or_keeps_running_is_no_failure()
        {
            if (!UseBrowserScript("exit 0"))
            {
                return;
            }

            using (OpenedBrowser? handedOver = BrowserLauncher.Open(SignInUrl))
            {
                Assert.Null(await handedOver!.WaitForEarlyFailureAsync(TimeSpan.FromSeconds(20), CancellationToken.None));
            }

            UseBrowserScript("exec sleep 30"); // exec: the sleep is the process killed below, so none outlives the test
            using (OpenedBrowser? running = BrowserLauncher.Open(SignInUrl))
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                Assert.Null(await running!.WaitForEarlyFailureAsync(TimeSpan.FromSeconds(1), CancellationToken.None));
                Assert.InRange(watch.Elapsed.TotalSeconds, 0.9, 10);
                running.Process!.Kill();
            }
        }

        [Fact]
        public async Task Disposing_stops_a_running_watch_which_then_reports_nothing()
        {
            if (!UseBrowserScript("exec sleep 30"))
            {
                return;
            }

            OpenedBrowser browser = BrowserLauncher.Open(SignInUrl)!;
            int pid = browser.Process!.Id;
            try
            {
                Task<BrowserFailure?> watching = browser.WaitForEarlyFailureAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
                await Task.Delay(300);
                var watch = System.Diagnostics.Stopwatch.StartNew();
                browser.Dispose();
                Task done = await Task.WhenAny(watching, Task.Delay(TimeSpan.FromSeconds(5)));
                Assert.Same(watching, done);
                Assert.Equal(TaskStatus.RanToCompletion, watching.Status);
                Assert.Null(await watching);
                Assert.InRange(watch.Elapsed.TotalSeconds, 0, 2);
                Assert.Null(await browser.WaitForEarlyFailureAsync(TimeSpan.FromSeconds(20), CancellationToken.None));
            }
            finally
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
        }

        [Fact]
        public void A_command_that_cannot_start_is_null()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            Lane.RequireIntegration("a $BROWSER command");
            Environment.SetEnvironmentVariable(BrowserLauncher.BrowserVariable, Path.Combine(_root, "no-such-browser") + " --new-window");
            Assert.Null(BrowserLauncher.Open(SignInUrl));
            Assert.Equal(Path.Combine(_root, "no-such-browser"), BrowserLauncher.CommandName());
        }

        [Fact]
        public async Task A_script_fails_at_once_with_BrowserCommandFailed_instead_of_waiting_out_the_timeout()
        {
            if (!UseBrowserScript("echo 'no display' >&2; exit 4"))
            {
                return;
            }

            var user = new FakeSignInUser { CanPrompt = false };
            var watch = System.Diagnostics.Stopwatch.StartNew();
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => BrowserSignIn.ReceiveRedirectAsync(
                SignInUrl, FreeLoopbackCallback(), "abc", "Open this link:", new SignInRequest { Timeout = TimeSpan.FromSeconds(60) }, user, CancellationToken.None));
            Assert.Equal("BrowserCommandFailed", ex.ErrorId);
            Assert.Contains("exit code 4: no display", ex.Message, StringComparison.Ordinal);
            Assert.InRange(watch.Elapsed.TotalSeconds, 0, 30);
        }

        [Fact]
        public async Task A_person_is_warned_with_the_link_and_the_listener_keeps_waiting()
        {
            if (!UseBrowserScript("echo 'bad argument' >&2; exit 2"))
            {
                return;
            }

            var user = new FakeSignInUser { CanPrompt = true };
            PfaException ex = await Assert.ThrowsAsync<PfaException>(() => BrowserSignIn.ReceiveRedirectAsync(
                SignInUrl, FreeLoopbackCallback(), "abc", "Open this link:", new SignInRequest { Timeout = TimeSpan.FromSeconds(6) }, user, CancellationToken.None));
            Assert.Equal("CallbackTimeout", ex.ErrorId);
            string warning = Assert.Single(user.Warnings);
            Assert.Contains("exit code 2: bad argument", warning, StringComparison.Ordinal);
            Assert.EndsWith(SignInUrl.AbsoluteUri, warning, StringComparison.Ordinal);
        }

        private static Uri FreeLoopbackCallback()
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return new Uri($"http://127.0.0.1:{port}/oauth2/azureDevOps");
        }
    }

    [CollectionDefinition(nameof(BrowserVariableCollection), DisableParallelization = true)]
    public sealed class BrowserVariableCollection
    {
    }
}
