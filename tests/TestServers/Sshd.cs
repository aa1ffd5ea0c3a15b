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
                File.WriteAllText(config, string.Join("\n", all) + "\n");
                var process = new ServerProcess(Program, new[] { "-D", "-e", "-f", config },
                    Path.Combine(directory, "sshd_" + name + ".stdout.log"), Path.Combine(directory, "sshd_" + name + ".stderr.log"));
                if (process.WaitForPort(port, timeout))
                {
                    return new Sshd(process, port, config);
                }

                lastError = process.ReadStderr();
                process.Dispose();
                if (!lastError.Contains("Address already in use", StringComparison.Ordinal))
                {
                    break;
                }
            }

            throw new InvalidOperationException("sshd did not start. Its log:\n" + lastError);
        }

        public void Dispose() => _process.Dispose();
    }
}
