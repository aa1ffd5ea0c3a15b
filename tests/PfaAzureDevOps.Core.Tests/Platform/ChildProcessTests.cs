using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Platform;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Platform
{
    /// <summary>The one child-process type, with real processes (/bin/sh): stdin, argv, floods, cancellation, process trees.</summary>
    [Trait(Lane.Name, Lane.Integration)]
    public sealed class ChildProcessTests : IDisposable
    {
        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pfa-xunit-child-" + Guid.NewGuid().ToString("N"));

        public ChildProcessTests()
        {
            Directory.CreateDirectory(_root);
        }

        public void Dispose()
        {
            Directory.Delete(_root, recursive: true);
        }

        private static Task<ChildProcessResult> Sh(string script, Action<string, bool>? onError = null, CancellationToken token = default, bool newSession = false, Action<int>? onStarted = null) =>
            ChildProcess.RunAsync("/bin/sh", new[] { "-c", script, "sh" }, null, onError, token, newSession, onStarted);

        [Fact]
        public async Task The_child_gets_a_closed_standard_input_and_its_arguments_exactly()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            // cat with an inherited or open stdin would wait for input forever.
            ChildProcessResult cat = await ChildProcess.RunAsync("cat", Array.Empty<string>(), null, null, CancellationToken.None).WaitAsync(Limit);
            Assert.Equal(0, cat.ExitCode);
            Assert.Equal(string.Empty, cat.StandardOutput);

            string[] arguments = { "a b", "q\"uote", string.Empty, "back\\slash\\", "it's", "$HOME", "-n" };
            ChildProcessResult printf = await ChildProcess.RunAsync("printf", new[] { "[%s]\\n" }.Concat(arguments).ToList(), null, null, CancellationToken.None).WaitAsync(Limit);
            Assert.Equal(string.Concat(arguments.Select(a => "[" + a + "]\n")), printf.StandardOutput);
        }

        [Fact]
        public async Task Environment_is_set_and_removed_and_the_exit_code_comes_back()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            var environment = new Dictionary<string, string?> { ["PFA_SET"] = "yes", ["HOME"] = null };
            ChildProcessResult result = await ChildProcess.RunAsync("/bin/sh", new[] { "-c", "echo \"$PFA_SET/${HOME-unset}\"; exit 7" }, environment, null, CancellationToken.None).WaitAsync(Limit);
            Assert.Equal(7, result.ExitCode);
            Assert.Equal("yes/unset\n", result.StandardOutput);
        }

        [Fact]
        public async Task Standard_error_comes_line_by_line_split_at_carriage_returns_too()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            var lines = new List<(string, bool)>();
            await Sh("printf '10%%\\r20%%\\rdone\\n\\nlast' >&2", (line, final) => lines.Add((line, final))).WaitAsync(Limit);
            Assert.Equal(new[] { ("10%", false), ("20%", false), ("done", true), ("last", true) }, lines);
        }

        [Fact]
        public async Task A_flood_on_both_output_streams_does_not_deadlock()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            // 4 MB on each stream at once, far beyond a pipe's buffer: a reader of one stream at a time would hang.
            long errorChars = 0;
            int errorLines = 0;
            ChildProcessResult result = await Sh(
                "head -c 4000000 /dev/zero | tr '\\0' e | fold -w 1000 >&2 & head -c 4000000 /dev/zero | tr '\\0' o; wait",
                (line, final) => { errorChars += line.Length; errorLines++; }).WaitAsync(Limit);

            Assert.Equal(0, result.ExitCode);
            Assert.Equal(4000000, result.StandardOutput.Length);
            Assert.Equal(4000000, errorChars);
            Assert.Equal(4000, errorLines);
        }

        [Fact]
        public async Task A_program_that_does_not_exist_fails_to_start()
        {
            await Assert.ThrowsAsync<Win32Exception>(() => ChildProcess.RunAsync(Path.Combine(_root, "no-such-program"), Array.Empty<string>(), null, null, CancellationToken.None));
        }

        [Fact]
        public async Task Cancelling_kills_the_tree_down_to_the_grandchild()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            string pidFile = Path.Combine(_root, "grandchild.pid");
            using var cancel = new CancellationTokenSource();
            // sh -> sh -> sleep: the sleep is a grandchild of the process started.
            Task<ChildProcessResult> run = Sh($"sh -c 'sleep 300 & echo $! > \"{pidFile}\"; wait'; echo never", token: cancel.Token);
            int grandchild = await WaitForPid(pidFile);
            Assert.True(IsRunning(grandchild));

            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Limit));
            Assert.True(await Gone(grandchild), "the grandchild still runs");
        }

        [Fact]
        public async Task Cancelling_a_run_in_its_own_session_also_kills_children_already_orphaned()
        {
            if (OperatingSystem.IsWindows() || ChildProcess.FindSetsid() is null)
            {
                return;
            }

            string pidFile = Path.Combine(_root, "orphan.pid");
            using var cancel = new CancellationTokenSource();
            int group = 0;
            // The subshell exits at once, so the sleep is re-parented away from the tree: only the process group still holds it.
            Task<ChildProcessResult> run = Sh($"(sleep 300 & echo $! > \"{pidFile}\"); sleep 300", token: cancel.Token, newSession: true, onStarted: pid => group = pid);
            int orphan = await WaitForPid(pidFile);
            Assert.True(IsRunning(orphan));
            Assert.NotEqual(0, group);

            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Limit));
            Assert.True(await Gone(orphan), "the orphaned grandchild still runs");
        }

        private static async Task<int> WaitForPid(string file)
        {
            Stopwatch watch = Stopwatch.StartNew();
            while (watch.Elapsed < Limit)
            {
                if (File.Exists(file))
                {
                    string text = File.ReadAllText(file).Trim();
                    if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                    {
                        return pid;
                    }
                }

                await Task.Delay(20);
            }

            throw new TimeoutException("no pid in " + file);
        }

        /// <summary>Running = a /proc entry that is not a zombie (an orphan's zombie waits for its new parent to reap it).</summary>
        private static bool IsRunning(int pid)
        {
            try
            {
                string stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
                string state = stat.Substring(stat.LastIndexOf(')') + 2, 1);
                return state != "Z" && state != "X";
            }
            catch (IOException)
            {
                return false;
            }
        }

        private static async Task<bool> Gone(int pid)
        {
            Stopwatch watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(10))
            {
                if (!IsRunning(pid))
                {
                    return true;
                }

                await Task.Delay(20);
            }

            return false;
        }

    }
}
