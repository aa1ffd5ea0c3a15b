using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Identity
{
    [CollectionDefinition(Name)]
    public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
    {
        public const string Name = "azure-devops-emulator";
    }

    /// <summary>
    /// The local Azure DevOps (tests/AzureDevOpsEmulator) as a real process: built once into .tmp, started, its ready
    /// JSON line read from stdout, stopped by PID (SIGTERM, then kill) in Dispose.
    /// </summary>
    public sealed class EmulatorFixture : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stderr = new StringBuilder();

        public EmulatorFixture()
        {
            string repo = FindRepositoryRoot();
            string output = Path.Combine(repo, ".tmp", "entra-tests-emulator", "bin");
            LogPath = Path.Combine(repo, ".tmp", "entra-tests-emulator", "emulator-stderr.log");
            Build(Path.Combine(repo, "tests", "AzureDevOpsEmulator", "AzureDevOpsEmulator.csproj"), output);

            var psi = new ProcessStartInfo(DotnetPath())
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            psi.ArgumentList.Add(Path.Combine(output, "AzureDevOpsEmulator.dll"));
            _process = Process.Start(psi) ?? throw new InvalidOperationException("The emulator did not start.");
            _process.ErrorDataReceived += (_, e) => { lock (_stderr) { _stderr.AppendLine(e.Data); } };
            _process.BeginErrorReadLine();
            Task<string?> line = _process.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result == null)
            {
                Stop();
                throw new InvalidOperationException("The emulator did not become ready: " + _stderr);
            }

            using (JsonDocument ready = JsonDocument.Parse(line.Result))
            {
                HttpsUrl = ready.RootElement.GetProperty("https").GetString()!;
                HttpUrl = ready.RootElement.GetProperty("http").GetString()!;
                CertificatePath = ready.RootElement.GetProperty("certificate").GetString()!;
                Pid = ready.RootElement.GetProperty("pid").GetInt32();
            }

            Certificate = X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath));
            Client = NewHttpClient(allowRedirect: false);
            // Drain stdout so the pipe never fills.
            _ = Task.Run(() => _process.StandardOutput.ReadToEndAsync());
        }

        public string HttpsUrl { get; }

        public string HttpUrl { get; }

        public string CertificatePath { get; }

        public int Pid { get; }

        /// <summary>The emulator's stderr is saved here when the fixture stops (for failures).</summary>
        public string LogPath { get; }

        public X509Certificate2 Certificate { get; }

        /// <summary>Trusts only the emulator's certificate; does not follow redirects.</summary>
        public HttpClient Client { get; }

        /// <summary>An HttpClient whose only trust anchor is the emulator's certificate (what tests hand MSAL).</summary>
        public HttpClient NewHttpClient(bool allowRedirect = false)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.Add(Certificate);
            var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = allowRedirect,
                UseProxy = false,
                SslOptions = { CertificateChainPolicy = policy },
            };
            return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        }

        public async Task<JsonElement> ControlAsync(string method, string path, object? body = null)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), HttpsUrl + path);
            if (body != null)
            {
                request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
            }

            using HttpResponseMessage response = await Client.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
            }

            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }

        public void Dispose()
        {
            Client.Dispose();
            Stop();
            lock (_stderr)
            {
                File.WriteAllText(LogPath, _stderr.ToString());
            }
        }

        private void Stop()
        {
            try
            {
                if (!_process.HasExited)
                {
                    using (Process kill = Process.Start(new ProcessStartInfo("kill", "-TERM " + _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)) { UseShellExecute = false })!)
                    {
                        kill.WaitForExit();
                    }

                    if (!_process.WaitForExit(10000))
                    {
                        _process.Kill();
                    }
                }
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
        }

        private static void Build(string project, string output)
        {
            using var mutex = new Mutex(false, "PfaAzureDevOpsEntraTestsEmulatorBuild");
            bool owned = false;
            try
            {
                try
                {
                    owned = mutex.WaitOne(TimeSpan.FromMinutes(5));
                }
                catch (AbandonedMutexException)
                {
                    owned = true;
                }

                var psi = new ProcessStartInfo(DotnetPath()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (string a in new[] { "build", project, "-c", "Release", "-o", output, "--nologo", "-v", "q" })
                {
                    psi.ArgumentList.Add(a);
                }

                psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
                psi.Environment["DOTNET_NOLOGO"] = "1";
                // The test host's MSBuild variables must not leak into the nested build.
                psi.Environment.Remove("MSBuildExtensionsPath");
                psi.Environment.Remove("MSBUILD_EXE_PATH");
                psi.Environment.Remove("MSBuildSDKsPath");
                using Process p = Process.Start(psi)!;
                Task<string> err = p.StandardError.ReadToEndAsync();
                string stdout = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0)
                {
                    throw new InvalidOperationException("Building the emulator failed: " + stdout + err.Result);
                }
            }
            finally
            {
                if (owned)
                {
                    mutex.ReleaseMutex();
                }
            }
        }

        private static string DotnetPath()
        {
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
            {
                return host;
            }

            foreach (string candidate in new[] { "/usr/share/dotnet/dotnet", "/usr/bin/dotnet", "/usr/local/bin/dotnet" })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return "dotnet";
        }

        private static string FindRepositoryRoot()
        {
            for (DirectoryInfo? d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "PfaAzureDevOps.sln")))
                {
                    return d.FullName;
                }
            }

            throw new InvalidOperationException("Repository root (PfaAzureDevOps.sln) not found above " + AppContext.BaseDirectory);
        }
    }
}
