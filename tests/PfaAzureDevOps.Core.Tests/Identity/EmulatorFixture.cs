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
using PfaAzureDevOps.TestServers;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Identity
{
    [CollectionDefinition(Name)]
    public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
    {
        public const string Name = "azure-devops-emulator";
    }

    /// <summary>
    /// The local Azure DevOps (tests/AzureDevOpsEmulator) as a real process, through the shared launcher
    /// (tests/TestServers, which Pester uses too): built once per change of its sources, started, stopped by PID in Dispose.
    /// </summary>
    public sealed class EmulatorFixture : IDisposable
    {
        private readonly LocalAzureDevOps _server;

        public EmulatorFixture()
        {
            Lane.RequireIntegration("the local Azure DevOps");
            string repo = EmulatorBuild.FindRepositoryRoot(AppContext.BaseDirectory);
            LogPath = Path.Combine(repo, ".tmp", "entra-tests-emulator", "emulator-stderr.log");
            _server = LocalAzureDevOps.Start(new LocalAzureDevOpsOptions { RepositoryRoot = repo });
            HttpsUrl = _server.HttpsUrl;
            HttpUrl = _server.HttpUrl;
            CertificatePath = _server.CertificatePath;
            Pid = _server.Pid;
            Certificate = X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath));
            Client = NewHttpClient(allowRedirect: false);
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
            string log = _server.Log;
            _server.Dispose();
            Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
            File.WriteAllText(LogPath, log);
        }
    }
}
