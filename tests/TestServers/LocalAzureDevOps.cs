using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace PfaAzureDevOps.TestServers
{
    /// <summary>What to start: the emulator, optionally with the sshd that serves its git repositories.</summary>
    public sealed class LocalAzureDevOpsOptions
    {
        /// <summary>The repository (found above this assembly when null).</summary>
        public string? RepositoryRoot { get; set; }

        /// <summary>Keep the emulator's state here (and keep it afterwards); a fresh folder, removed at the end, when null.</summary>
        public string? DataDirectory { get; set; }

        public bool AllowHttpCallbacks { get; set; }

        /// <summary>Also start sshd (needs root): keys registered in the emulator log in, and git is served from it.</summary>
        public bool WithSsh { get; set; }

        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
    }

    /// <summary>
    /// The local Azure DevOps (tests/AzureDevOpsEmulator) as a process on 127.0.0.1: built when its sources changed,
    /// started with a ready file, and with <see cref="LocalAzureDevOpsOptions.WithSsh"/> an OpenSSH server that asks the
    /// emulator which keys may log in (<c>AuthorizedKeysCommand</c>) and runs git against its repositories. Dispose stops
    /// both by PID and removes their folders.
    /// </summary>
    public sealed class LocalAzureDevOps : IDisposable
    {
        private ServerProcess? _emulator;
        private Sshd? _sshd;

        private LocalAzureDevOps(string repositoryRoot, string runDirectory, string dataDirectory, bool ownsData)
        {
            RepositoryRoot = repositoryRoot;
            RunDirectory = runDirectory;
            DataDirectory = dataDirectory;
            OwnsDataDirectory = ownsData;
        }

        public string RepositoryRoot { get; }

        public string RunDirectory { get; }

        public string DataDirectory { get; }

        public bool OwnsDataDirectory { get; }

        public string HttpUrl { get; private set; } = string.Empty;

        public string HttpsUrl { get; private set; } = string.Empty;

        public string CertificatePath { get; private set; } = string.Empty;

        public string CertificateSha256 { get; private set; } = string.Empty;

        public string CertificateSpkiSha256 { get; private set; } = string.Empty;

        public int Pid => _emulator?.Id ?? 0;

        /// <summary>The PID of the emulator's watchdog, which stops it when this process is gone (see <see cref="ServerProcess"/>).</summary>
        public int WatchdogId => _emulator?.WatchdogId ?? 0;

        /// <summary>The emulator's standard error so far.</summary>
        public string Log => _emulator?.ReadStderr() ?? string.Empty;

        public int? SshPort => _sshd?.Port;

        public int? SshdPid => _sshd?.Pid;

        public string? SshUser { get; private set; }

        public string? SshHostKeyFingerprint { get; private set; }

        public string? SshHostPublicKey { get; private set; }

        public string? SshKnownHostsLine { get; private set; }

        public string? SshScriptDirectory { get; private set; }

        /// <summary>sshd's log so far (empty without ssh).</summary>
        public string SshdLog => _sshd?.Log ?? string.Empty;

        public static LocalAzureDevOps Start(LocalAzureDevOpsOptions options)
        {
            string repo = options.RepositoryRoot ?? EmulatorBuild.FindRepositoryRoot(AppContext.BaseDirectory);
            string dll = EmulatorBuild.EnsureBuilt(repo);
            string run = Path.Combine(Path.GetTempPath(), "pfa-ado-" + RandomName());
            Directory.CreateDirectory(run);
            bool ownsData = options.DataDirectory == null;
            string data = Path.GetFullPath(options.DataDirectory ?? Path.Combine(run, "data"));
            var server = new LocalAzureDevOps(repo, run, data, ownsData) { AllowHttpCallbacks = options.AllowHttpCallbacks };
            try
            {
                server.StartEmulator(dll, options);
                if (options.WithSsh)
                {
                    EmulatorSsh.Start(server, TimeSpan.FromSeconds(Math.Max(15, options.Timeout.TotalSeconds / 2)));
                }

                return server;
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }

        /// <summary>True while the emulator (and its sshd, when it has one) runs.</summary>
        public bool IsRunning => _emulator != null && !_emulator.HasExited && (_sshd == null || !_sshd.HasExited);

        /// <summary>
        /// Puts the running emulator back into the state of a fresh start (<c>POST /_test/reset</c>: every request still in
        /// flight aborted, then all state replaced and the repositories on disk deleted) with
        /// <paramref name="allowHttpCallbacks"/> as given; with <paramref name="withSsh"/> its sshd serves the emulator's
        /// keys and repositories again (started now if it has none yet); without, the emulator no longer names an sshd,
        /// so keys are refused and <c>sshUrl</c> points at no local server, as in an emulator started without one.
        /// </summary>
        public void Reset(bool allowHttpCallbacks, bool withSsh, TimeSpan timeout)
        {
            using (var client = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = timeout })
            {
                string body = JsonSerializer.Serialize(new { allowHttpCallbacks });
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using HttpResponseMessage response = client.PostAsync(HttpUrl.TrimEnd('/') + "/_test/reset", content).GetAwaiter().GetResult();
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"POST /_test/reset: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
                }
            }

            AllowHttpCallbacks = allowHttpCallbacks;
            if (withSsh)
            {
                if (_sshd == null)
                {
                    EmulatorSsh.Start(this, TimeSpan.FromSeconds(Math.Max(15, timeout.TotalSeconds / 2)));
                }
                else
                {
                    EmulatorSsh.Reconfigure(this, _sshd.Port);
                }
            }
        }

        /// <summary>Whether http:// callbacks are allowed now (the option it was started with, or the last reset's).</summary>
        public bool AllowHttpCallbacks { get; private set; }

        internal void AttachSsh(Sshd sshd, string user, string fingerprint, string publicKey, string scriptDirectory)
        {
            _sshd = sshd;
            SshUser = user;
            SshHostKeyFingerprint = fingerprint;
            SshHostPublicKey = publicKey;
            SshKnownHostsLine = $"[127.0.0.1]:{sshd.Port} {publicKey}";
            SshScriptDirectory = scriptDirectory;
        }

        internal void SetScriptDirectory(string directory) => SshScriptDirectory = directory;

        private void StartEmulator(string dll, LocalAzureDevOpsOptions options)
        {
            string ready = Path.Combine(RunDirectory, "ready.json");
            var arguments = new List<string> { dll, "--ready-file", ready, "--data-dir", DataDirectory, "--certificate-file", Path.Combine(RunDirectory, "emulator-certificate.pem"), "--key-file", TestKeys.TlsKey(RepositoryRoot) };
            if (options.AllowHttpCallbacks)
            {
                arguments.Add("--allow-http-callbacks");
            }

            _emulator = new ServerProcess(EmulatorBuild.DotnetPath(), arguments, Path.Combine(RunDirectory, "emulator.stdout.log"), Path.Combine(RunDirectory, "emulator.stderr.log"));
            DateTime deadline = DateTime.UtcNow + options.Timeout;
            while (!File.Exists(ready))
            {
                if (_emulator.HasExited)
                {
                    throw new InvalidOperationException($"The local Azure DevOps exited with code {_emulator.ExitCode} before it was ready. Its stderr:\n{_emulator.ReadStderr()}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"The local Azure DevOps was not ready within {options.Timeout.TotalSeconds:0} s. Its stderr:\n{_emulator.ReadStderr()}");
                }

                Thread.Sleep(25);
            }

            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(ready));
            JsonElement root = doc.RootElement;
            HttpUrl = root.GetProperty("http").GetString()!;
            HttpsUrl = root.GetProperty("https").GetString()!;
            CertificatePath = root.GetProperty("certificate").GetString()!;
            CertificateSha256 = root.GetProperty("certificateSha256").GetString()!;
            CertificateSpkiSha256 = root.GetProperty("spkiSha256").GetString()!;
        }

        public void Dispose()
        {
            _sshd?.Dispose();
            _emulator?.Dispose();
            if (SshScriptDirectory != null)
            {
                TryDelete(SshScriptDirectory);
            }

            if (OwnsDataDirectory)
            {
                TryDelete(DataDirectory);
            }

            TryDelete(RunDirectory);
        }

        internal static string RandomName() => Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();

        private static void TryDelete(string directory)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
