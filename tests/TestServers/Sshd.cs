using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace PfaAzureDevOps.TestServers
{
    /// <summary>
    /// OpenSSH's sshd in the foreground (<c>-D -e</c>) on 127.0.0.1 and a free port, with the configuration lines it is
    /// given; a port taken between choosing it and binding it is tried again with another. Stopped by PID.
    /// </summary>
    public sealed class Sshd : IDisposable
    {
        public const string Program = "/usr/sbin/sshd";

        /// <summary>
        /// Added to every configuration that sets no environment of its own: sshd runs each command (git-upload-pack, the
        /// emulator's forced command) through the user's shell, and Debian's bash, started by sshd as a top-level shell
        /// (SHLVL unset), reads ~/.bashrc even when not interactive. This machine's root .bashrc runs pyenv's setup, about
        /// 40 processes: 0.07 of the 0.13 CPU s a git connection cost on the server side. SHLVL=1 makes the session's
        /// shell a nested one (bash counts it up to 2), which reads no startup file; the command runs as before.
        /// </summary>
        public const string QuietShellSetting = "SetEnv SHLVL=1";

        private readonly ServerProcess _process;

        private Sshd(ServerProcess process, int port, string configPath)
        {
            _process = process;
            Port = port;
            ConfigPath = configPath;
        }

        public int Port { get; }

        public int Pid => _process.Id;

        public string ConfigPath { get; }

        public bool HasExited => _process.HasExited;

        /// <summary>sshd's log (standard error) so far.</summary>
        public string Log => _process.ReadStderr();

        /// <summary>
        /// Starts sshd with <paramref name="configLines"/> (everything but Port, ListenAddress and PidFile, which this adds)
        /// and files named after <paramref name="name"/> in <paramref name="directory"/>; returns once the port accepts.
        /// </summary>
        public static Sshd Start(string directory, string name, IEnumerable<string> configLines, TimeSpan timeout)
        {
            if (!File.Exists(Program))
            {
                throw new InvalidOperationException(Program + " is not installed (apt-get install openssh-server).");
            }

            Directory.CreateDirectory("/run/sshd");
            string[] lines = configLines.ToArray();
            string config = Path.Combine(directory, "sshd_" + name + ".conf");
            string lastError = string.Empty;
            for (int attempt = 1; attempt <= 3; attempt++)
            {
                int port = ServerProcess.FreeLoopbackPort();
                var all = new List<string>
                {
                    "Port " + port,
                    "ListenAddress 127.0.0.1",
                    "PidFile " + Path.Combine(directory, "sshd_" + name + ".pid"),
                };
                all.AddRange(lines);
                if (!lines.Any(l => l.TrimStart().StartsWith("SetEnv", StringComparison.OrdinalIgnoreCase)))
                {
                    all.Add(QuietShellSetting);
                }

                File.WriteAllText(config, string.Join("\n", all) + "\n");
                var process = new ServerProcess(Program, new[] { "-D", "-e", "-f", config },
                    Path.Combine(directory, "sshd_" + name + ".stdout.log"), Path.Combine(directory, "sshd_" + name + ".stderr.log"));
                // The port accepting is not enough: another server (another worker's sshd or emulator that drew the same
                // free port) may hold it while this sshd failed to bind and exited; its clients would then be answered by a
                // stranger that refuses their keys. So the listening socket must be this sshd's own.
                if (process.WaitForPort(port, timeout) && ListensOn(process, port, timeout))
                {
                    return new Sshd(process, port, config);
                }

                lastError = process.ReadStderr();
                if (!process.HasExited && lastError.Length == 0)
                {
                    lastError = $"Another process holds 127.0.0.1:{port}; this sshd (PID {process.Id}) never listened on it. Address already in use";
                }

                process.Dispose();
                if (!lastError.Contains("Address already in use", StringComparison.Ordinal))
                {
                    break;
                }
            }

            throw new InvalidOperationException("sshd did not start. Its log:\n" + lastError);
        }

        /// <summary>
        /// True when <paramref name="process"/> itself holds a listening socket on 127.0.0.1:<paramref name="port"/>
        /// (Linux: /proc/net/tcp and the process's file descriptors); waits while it is alive and may still bind. Where
        /// /proc is not there (macOS), the port check alone stands.
        /// </summary>
        internal static bool ListensOn(ServerProcess process, int port, TimeSpan timeout)
        {
            if (!File.Exists("/proc/net/tcp"))
            {
                return true;
            }

            DateTime deadline = DateTime.UtcNow + timeout;
            while (!process.HasExited)
            {
                HashSet<string> inodes = ListeningInodes(port);
                if (inodes.Count > 0 && OwnsSocket(process.Id, inodes))
                {
                    return true;
                }

                if (DateTime.UtcNow >= deadline)
                {
                    return false;
                }

                System.Threading.Thread.Sleep(20);
            }

            return false;
        }

        private static HashSet<string> ListeningInodes(int port)
        {
            var inodes = new HashSet<string>(StringComparer.Ordinal);
            string local = "0100007F:" + port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
            foreach (string line in File.ReadAllLines("/proc/net/tcp").Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[1] == local && f[3] == "0A")
                {
                    inodes.Add("socket:[" + f[9] + "]");
                }
            }

            return inodes;
        }

        private static bool OwnsSocket(int pid, HashSet<string> inodes)
        {
            try
            {
                foreach (string fd in Directory.EnumerateFiles("/proc/" + pid + "/fd"))
                {
                    string? target = new FileInfo(fd).LinkTarget;
                    if (target != null && inodes.Contains(target))
                    {
                        return true;
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            return false;
        }

        public void Dispose() => _process.Dispose();
    }
}
