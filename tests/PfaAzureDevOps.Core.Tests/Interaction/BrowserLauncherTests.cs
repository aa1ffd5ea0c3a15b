using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using PfaAzureDevOps.Core.Interaction;
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
            using (Process? started = BrowserLauncher.Open(url))
            {
                Assert.NotNull(started);
                Assert.True(started!.WaitForExit(30_000), "the $BROWSER script did not end");
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

    [CollectionDefinition(nameof(BrowserVariableCollection), DisableParallelization = true)]
    public sealed class BrowserVariableCollection
    {
    }
}
