using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>
    /// Unix: a small shell process that outlives this one only long enough to clean up after it. While this process
    /// lives and the folder exists it sleeps; if this process dies first (kill -9), it ends git and everything git
    /// started (their process group) and removes the folder with the key. Windows has no such watchdog (the next
    /// run's sweep removes the folder there).
    /// </summary>
    internal sealed class GitWatchdog : IDisposable
    {
        public const string GroupFileName = "git.pgid";

        private const string Script =
            "parent=$1; dir=$2\n" +
            "alive() {\n" +
            "  kill -0 \"$parent\" 2>/dev/null || return 1\n" +
            "  if [ -r \"/proc/$parent/stat\" ]; then\n" +
            "    s=$(cat \"/proc/$parent/stat\" 2>/dev/null) || return 1\n" +
            "    s=${s##*) }\n" +
            "    [ \"${s%% *}\" != Z ] || return 1\n" +
            "  fi\n" +
            "}\n" +
            "while [ -d \"$dir\" ] && alive; do sleep 0.1; done\n" +
            "[ -d \"$dir\" ] || exit 0\n" +
            "if [ -r \"$dir/" + GroupFileName + "\" ]; then\n" +
            "  g=$(cat \"$dir/" + GroupFileName + "\")\n" +
            "  case \"$g\" in ''|*[!0-9]*) ;; *) kill -9 -\"$g\" 2>/dev/null; kill -9 \"$g\" 2>/dev/null ;; esac\n" +
            "fi\n" +
            "rm -rf -- \"$dir\"\n";

        private readonly Process? _process;

        private GitWatchdog(Process? process)
        {
            _process = process;
        }

        public static GitWatchdog Start(string folder)
        {
#if !NET
            // The .NET Framework build runs on Windows only (Windows PowerShell 5.1): no watchdog there.
            return new GitWatchdog(null);
#else
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || !File.Exists("/bin/sh"))
            {
                return new GitWatchdog(null);
            }

            Process? process = Platform.ChildProcess.TryStart(
                "/bin/sh",
                new[] { "-c", Script, "pfa-git-watchdog", CurrentProcessId().ToString(CultureInfo.InvariantCulture), folder },
                discardOutput: true);
            return new GitWatchdog(process);
#endif
        }

        public static void WriteGroup(string path, int pid)
        {
            try
            {
                File.WriteAllText(path, pid.ToString(CultureInfo.InvariantCulture), new UTF8Encoding(false));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
            }
        }

        public void Dispose()
        {
            if (_process == null)
            {
                return;
            }

            // The folder is gone by now, so the watchdog ends by itself within 0.1 s; ending it here is just quicker.
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception)
            {
            }

            _process.Dispose();
        }

        private static int CurrentProcessId()
        {
            using (Process self = Process.GetCurrentProcess())
            {
                return self.Id;
            }
        }
    }
}
