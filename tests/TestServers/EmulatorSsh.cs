using System;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Text.Json;

namespace PfaAzureDevOps.TestServers
{
    /// <summary>
    /// The sshd of the local Azure DevOps: its AuthorizedKeysCommand asks the emulator which account a key belongs to, and
    /// its forced command runs git against the emulator's repositories (tests/AzureDevOpsEmulator/ssh). Needs root: sshd
    /// runs the AuthorizedKeysCommand as root and insists that it and every folder above it are root-owned and not
    /// writable by group or others.
    /// </summary>
    internal static class EmulatorSsh
    {
        public static void Start(LocalAzureDevOps server, TimeSpan timeout)
        {
            if (ServerProcess.Run("/usr/bin/id", "-u").Trim() != "0")
            {
                throw new InvalidOperationException("The local Azure DevOps's sshd needs root (sshd runs the AuthorizedKeysCommand as root and must own its files).");
            }

            // The AuthorizedKeysCommand writes why it failed to ask the emulator (sshd discards its standard error) here,
            // beside sshd's own log.
            string keyCommandLog = Path.Combine(server.RunDirectory, "authorized-keys-command.log");
            string scripts = InstallScripts(server.RepositoryRoot, server.HttpUrl, keyCommandLog);
            server.SetScriptDirectory(scripts);
            // The checkout's one host key (made once, see TestKeys), copied owner-only into this run's folder.
            string hostKey = Path.Combine(server.RunDirectory, "ssh_host_rsa_key");
            TestKeys.CopySshHostKey(server.RepositoryRoot, hostKey);
            string user = Environment.UserName;
            Sshd sshd = Sshd.Start(server.RunDirectory, "emulator", new[]
            {
                "HostKey " + hostKey,
                "AuthorizedKeysFile none",
                $"AuthorizedKeysCommand {scripts}/authorized-keys-command.sh %t %k",
                "AuthorizedKeysCommandUser root",
                "PubkeyAuthentication yes",
                "PubkeyAcceptedAlgorithms rsa-sha2-512,rsa-sha2-256",
                "HostKeyAlgorithms rsa-sha2-512,rsa-sha2-256",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "MaxStartups 100:30:200",
                "AllowUsers " + user,
                "PermitTTY no",
                "X11Forwarding no",
                "AllowTcpForwarding no",
                "AllowAgentForwarding no",
                "PrintMotd no",
                "LogLevel VERBOSE",
            }, timeout);
            try
            {
                string[] pub = File.ReadAllText(hostKey + ".pub").Trim().Split(' ');
                string fingerprint = TestKeys.Sha256Fingerprint(pub[0] + " " + pub[1]);
                server.AttachSsh(sshd, user, fingerprint, pub[0] + " " + pub[1], scripts);
                Configure(server.HttpUrl, sshd.Port, user, scripts + "/forced-command.sh");
            }
            catch
            {
                sshd.Dispose();
                throw;
            }
        }

        /// <summary>Points the emulator at its running sshd again (after a reset, which forgets the SSH settings).</summary>
        public static void Reconfigure(LocalAzureDevOps server, int port)
        {
            Configure(server.HttpUrl, port, server.SshUser!, server.SshScriptDirectory + "/forced-command.sh");
        }

        private static void Configure(string httpUrl, int port, string user, string forcedCommand)
        {
            using var client = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
            string body = JsonSerializer.Serialize(new { port, host = "127.0.0.1", user, forcedCommand });
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using HttpResponseMessage response = client.PostAsync(httpUrl.TrimEnd('/') + "/_test/ssh/config", content).GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException("POST /_test/ssh/config: " + (int)response.StatusCode);
            }
        }

        private static string InstallScripts(string repositoryRoot, string emulatorUrl, string keyCommandLog)
        {
            if (OperatingSystem.IsWindows())
            {
                throw new PlatformNotSupportedException("The local Azure DevOps's sshd runs on Linux and macOS only.");
            }

            string name = "pfa-ado-ssh-" + LocalAzureDevOps.RandomName();
            string[] candidates = { Path.Combine(repositoryRoot, ".tmp", name), "/run/" + name, "/var/lib/" + name };
            foreach (string dir in candidates)
            {
                string parent = Path.GetDirectoryName(dir)!;
                try
                {
                    Directory.CreateDirectory(parent);
                }
                catch (IOException)
                {
                    continue;
                }
                catch (UnauthorizedAccessException)
                {
                    continue;
                }

                if (!IsRootOwnedChain(parent))
                {
                    continue;
                }

                Directory.CreateDirectory(dir);
                File.SetUnixFileMode(dir, (UnixFileMode)0x1ED);   // 0755
                foreach (string file in new[] { "authorized-keys-command.sh", "forced-command.sh" })
                {
                    string text = File.ReadAllText(Path.Combine(repositoryRoot, "tests", "AzureDevOpsEmulator", "ssh", file)).Replace("@EMULATOR_URL@", emulatorUrl).Replace("@LOG_FILE@", keyCommandLog);
                    string target = Path.Combine(dir, file);
                    File.WriteAllText(target, text);
                    File.SetUnixFileMode(target, (UnixFileMode)0x1ED);
                }

                if (IsRootOwnedChain(Path.Combine(dir, "authorized-keys-command.sh")))
                {
                    return dir;
                }

                Directory.Delete(dir, recursive: true);
            }

            throw new InvalidOperationException("Found no root-owned, non-group/other-writable folder chain for sshd's AuthorizedKeysCommand (tried: " + string.Join(", ", candidates) + ").");
        }

        /// <summary>True when the path and every folder above it are owned by root and not writable by group or others.</summary>
        private static bool IsRootOwnedChain(string path)
        {
            for (string? current = Path.GetFullPath(path); current != null; current = Path.GetDirectoryName(current))
            {
                string info;
                try
                {
                    info = ServerProcess.Run("/usr/bin/stat", "-c", "%u %a", "--", current).Trim();
                }
                catch (InvalidOperationException)
                {
                    return false;
                }

                string[] parts = info.Split(' ');
                if (parts[0] != "0" || (Convert.ToInt32(parts[1], 8) & 0x12) != 0)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
