using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.SignIn.Entra;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.Tests.Identity
{
    /// <summary>Shared helpers: tenants, apps, registrations, stores and a fake browser, all against the emulator.</summary>
    public abstract class EntraTestBase : IDisposable
    {
        public const string Scope = RegistrationRules.AzureDevOpsResourceId + "/vso.code_write";
        public const string InstanceUrl = "https://pipelines.example.com";
        public const string CallbackUrl = "https://pipelines.example.com/oauth2/azureDevOps";

        private readonly List<string> _roots = new List<string>();

        protected EntraTestBase(EmulatorFixture emulator)
        {
            Emulator = emulator;
            Browser = new FakeBrowser(emulator);
        }

        protected EmulatorFixture Emulator { get; }

        protected FakeBrowser Browser { get; }

        protected async Task<Guid> NewTenantAsync(params Guid[] members)
        {
            JsonElement t = await Emulator.ControlAsync("POST", "/_test/entra/tenants", members.Length == 0 ? new { } : (object)new { users = members });
            return t.GetProperty("id").GetGuid();
        }

        /// <summary>A public app (redirect http://localhost) or a confidential one (secret, instance callback).</summary>
        protected async Task<(Guid ClientId, string? Secret)> NewAppAsync(Guid tenant, bool confidential = false, string[]? certificates = null)
        {
            JsonElement a = await Emulator.ControlAsync("POST", "/_test/entra/apps", new
            {
                tenant = tenant.ToString(),
                confidential,
                redirectUris = confidential ? new[] { CallbackUrl } : new[] { "http://localhost" },
                certificates = certificates ?? Array.Empty<string>(),
            });
            string? secret = a.GetProperty("clientSecret").ValueKind == JsonValueKind.String ? a.GetProperty("clientSecret").GetString() : null;
            return (a.GetProperty("clientId").GetGuid(), secret);
        }

        protected AppRegistration Registration(Guid clientId, string tenant, bool confidential = false, string? scope = null) => new AppRegistration
        {
            Provider = IdentityProvider.EntraId,
            ClientId = clientId,
            TenantId = tenant,
            AuthorizationServer = Emulator.HttpsUrl,
            InstanceUrl = InstanceUrl,
            CallbackUrl = CallbackUrl,
            Scopes = new List<string> { scope ?? Scope },
            ClientSecretName = confidential ? "app-client-secret-test" : null,
        };

        protected StateStore NewUserStore()
        {
            string root = Path.Combine(Path.GetTempPath(), "pfa-entra-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            _roots.Add(root);
            return new StateStore(StateScope.CurrentUser, root);
        }

        protected EntraTokenProviderOptions Options(List<string>? log = null) => new EntraTokenProviderOptions
        {
            HttpClientFactory = () => Emulator.NewHttpClient(),
            OpenBrowser = Browser.OpenAsync,
            InteractiveTimeout = TimeSpan.FromSeconds(30),
            Verbose = log == null ? null : (Action<string>)(m => { lock (log) { log.Add(m); } }),
        };

        protected EntraTokenProvider Provider(AppRegistration registration, StateStore store, string? secret = null, EntraTokenProviderOptions? options = null) =>
            new EntraTokenProvider(registration, store, secret == null ? null : () => secret.ToCharArray(), options ?? Options());

        protected async Task<Guid> SignedInUserAsync() =>
            (await Emulator.ControlAsync("GET", "/_test/users")).GetProperty("signedInUserId").GetGuid();

        protected async Task<string> NewOrgAsync(Guid? tenant)
        {
            string name = "org" + Guid.NewGuid().ToString("N").Substring(0, 8);
            await Emulator.ControlAsync("POST", "/_test/orgs", tenant is Guid t ? new { name, tenantId = t.ToString() } : (object)new { name });
            return name;
        }

        /// <summary>GET {org}/_apis/connectionData with the token: status and, on 200, the authenticated user's id.</summary>
        protected async Task<(HttpStatusCode Status, Guid? UserId)> ConnectionDataAsync(string org, string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{Emulator.HttpsUrl}/{org}/_apis/connectionData");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.TryAddWithoutValidation("X-TFS-FedAuthRedirect", "Suppress");
            using HttpResponseMessage response = await Emulator.Client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (response.StatusCode, null);
            }

            using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return (response.StatusCode, doc.RootElement.GetProperty("authenticatedUser").GetProperty("id").GetGuid());
        }

        protected Task InjectAsync(object rule) => Emulator.ControlAsync("POST", "/_test/entra/errors", rule);

        protected Task SettingsAsync(int accessTokenLifetimeSeconds) =>
            Emulator.ControlAsync("POST", "/_test/entra/settings", new { accessTokenLifetimeSeconds });

        protected async Task<int> CounterAsync(string name)
        {
            JsonElement c = await Emulator.ControlAsync("GET", "/_test/entra/counters");
            return c.TryGetProperty(name, out JsonElement v) ? v.GetInt32() : 0;
        }

        /// <summary>A device code prompt that approves the code through the control API (as the user would in a browser).</summary>
        protected Func<DeviceCodePrompt, Task> Approve(List<DeviceCodePrompt>? seen = null, string action = "approve") => async prompt =>
        {
            seen?.Add(prompt);
            await Emulator.ControlAsync("POST", "/_test/entra/devicecode/" + action, new { userCode = prompt.UserCode });
        };

        /// <summary>Signs in with an approved device code (the quickest user sign-in).</summary>
        protected Task<EntraToken> SignInAsync(EntraTokenProvider provider) => provider.AcquireWithDeviceCodeAsync(Approve());

        public void Dispose()
        {
            foreach (string root in _roots)
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>
    /// Stands in for the system browser: opens the authorize URL (trusting only the emulator), and POSTs the
    /// auto-submitting form to MSAL's loopback listener, retrying while it is not listening yet. Returns at once.
    /// </summary>
    public sealed class FakeBrowser
    {
        private static readonly Regex FormAction = new Regex("<form[^>]*action=\"([^\"]+)\"", RegexOptions.IgnoreCase);
        private static readonly Regex Input = new Regex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"", RegexOptions.IgnoreCase);
        private readonly EmulatorFixture _emulator;

        public FakeBrowser(EmulatorFixture emulator)
        {
            _emulator = emulator;
        }

        public ConcurrentQueue<Uri> Opened { get; } = new ConcurrentQueue<Uri>();

        public Task? Last { get; private set; }

        /// <summary>What the loopback answered (MSAL's success page).</summary>
        public string? LoopbackAnswer { get; private set; }

        public Task OpenAsync(Uri url)
        {
            Opened.Enqueue(url);
            Last = Task.Run(() => BrowseAsync(url));
            return Task.CompletedTask;
        }

        private async Task BrowseAsync(Uri url)
        {
            string page = await _emulator.Client.GetStringAsync(url);
            string action = WebUtility.HtmlDecode(FormAction.Match(page).Groups[1].Value);
            var fields = Input.Matches(page).Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value))).ToList();
            using var loopback = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    using HttpResponseMessage r = await loopback.PostAsync(action, new FormUrlEncodedContent(fields));
                    LoopbackAnswer = await r.Content.ReadAsStringAsync();
                    return;
                }
                catch (HttpRequestException ex) when (attempt < 50 && ex.InnerException is SocketException)
                {
                    await Task.Delay(100);
                }
            }
        }
    }
}
