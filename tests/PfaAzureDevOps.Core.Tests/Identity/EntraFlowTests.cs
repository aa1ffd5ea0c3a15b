using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.SignIn.Entra;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Identity
{
    /// <summary>Each Entra flow end to end: MSAL against the emulator's Entra side, the token then used on its REST API.</summary>
    [Trait(Lane.Name, Lane.Integration)]
    [Collection(EmulatorCollection.Name)]
    public sealed class EntraFlowTests : EntraTestBase
    {
        /// <summary>
        /// One self-signed RSA 2048 certificate for both certificate tests (made on first use, never disposed: it lives as long
        /// as the test run). Each test registers it on an app of a tenant of its own, so sharing it couples nothing; what they
        /// check (a client assertion signed with it, a PFX of it read back) does not depend on which certificate it is, and an
        /// RSA 2048 generation is the dearest step of either (0.1-0.4 CPU s).
        /// </summary>
        private static readonly Lazy<X509Certificate2> SharedCertificate = new Lazy<X509Certificate2>(() =>
        {
            using RSA rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=pfa-entra-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        }, LazyThreadSafetyMode.ExecutionAndPublication);

        public EntraFlowTests(EmulatorFixture emulator)
            : base(emulator)
        {
        }

        [Fact]
        public async Task Interactive_public_client_signs_in_through_the_browser_and_the_token_works_on_REST()
        {
            await SettingsAsync(3599);
            Guid user = await SignedInUserAsync();
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            string org = await NewOrgAsync(tenant);
            var opened = new List<Uri>();
            EntraTokenProviderOptions options = Options();
            options.BrowserOpening = opened.Add;
            EntraTokenProvider provider = Provider(Registration(clientId, tenant.ToString()), NewUserStore(), options: options);

            EntraToken token = await provider.AcquireInteractiveAsync();
            await Browser.Last!;

            Assert.Equal(EntraFlow.Interactive, token.Flow);
            Assert.Equal(tenant.ToString(), token.TenantId);
            Assert.Equal(user.ToString(), token.ObjectId);
            Assert.Equal("test.user@example.com", token.Username);
            Assert.Single(opened);
            Uri authorize = opened[0];
            Assert.StartsWith($"{Emulator.HttpsUrl}/{tenant}/oauth2/v2.0/authorize", authorize.AbsoluteUri, StringComparison.Ordinal);
            Assert.Contains("code_challenge_method=S256", authorize.Query, StringComparison.Ordinal);
            Assert.Contains("redirect_uri=http%3A%2F%2Flocalhost%3A", authorize.Query, StringComparison.Ordinal);
            Assert.Contains("You may close this window", Browser.LoopbackAnswer, StringComparison.Ordinal);

            (HttpStatusCode status, Guid? who) = await ConnectionDataAsync(org, token.AccessToken);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(user, who);

            // A second call answers from the cache: no browser.
            EntraToken again = await provider.AcquireInteractiveAsync();
            Assert.Equal(EntraFlow.Silent, again.Flow);
            Assert.True(again.FromCache);
            Assert.Single(opened);
        }

        [Fact]
        public async Task Interactive_through_the_BROWSER_convention_of_BrowserLauncher()
        {
            if (OperatingSystem.IsWindows() || !File.Exists("/usr/bin/curl"))
            {
                return;
            }

            await SettingsAsync(3599);
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            string dir = Path.Combine(Path.GetTempPath(), "pfa-browser-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            string script = Path.Combine(dir, "fake-browser.sh");
            string log = Path.Combine(dir, "browser.log");
            // A browser stand-in: returns at once; in the background it loads the authorize page (trusting only the
            // emulator's certificate) and submits its form_post form to MSAL's loopback, retrying until it listens.
            File.WriteAllText(script, "#!/bin/sh\n" +
                "url=\"$1\"\n" +
                "(\n" +
                "  page=$(curl -s --cacert '" + Emulator.CertificatePath + "' \"$url\")\n" +
                "  action=$(printf '%s' \"$page\" | sed -n 's/.*<form[^>]*action=\"\\([^\"]*\\)\".*/\\1/p')\n" +
                "  set --\n" +
                "  for pair in $(printf '%s' \"$page\" | sed -n 's/.*<input type=\"hidden\" name=\"\\([^\"]*\\)\" value=\"\\([^\"]*\\)\".*/\\1=\\2/p'); do set -- \"$@\" --data-urlencode \"$pair\"; done\n" +
                "  i=0; while [ $i -lt 50 ]; do curl -s -o /dev/null -X POST \"$@\" \"$action\" && break; i=$((i+1)); sleep 0.1; done\n" +
                "  echo \"done $action\" >> '" + log + "'\n" +
                ") >/dev/null 2>&1 &\n" +
                "exit 0\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            EntraTokenProviderOptions options = Options();
            options.OpenBrowser = null;
            string? saved = Environment.GetEnvironmentVariable("BROWSER");
            Environment.SetEnvironmentVariable("BROWSER", script);
            try
            {
                EntraToken token = await Provider(Registration(clientId, tenant.ToString()), NewUserStore(), options: options).AcquireInteractiveAsync();
                Assert.Equal(EntraFlow.Interactive, token.Flow);
                Assert.Equal(tenant.ToString(), token.TenantId);
            }
            finally
            {
                Environment.SetEnvironmentVariable("BROWSER", saved);
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                    // The stand-in browser runs in the background and may still be writing its log: leave the folder to the OS.
                }
            }
        }

        [Fact]
        public async Task Silent_renewal_from_the_serialized_cache_in_a_new_MSAL_instance()
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            StateStore store = NewUserStore();
            await SettingsAsync(3599);
            EntraToken first = await SignInAsync(Provider(Registration(clientId, tenant.ToString()), store));
            Assert.Equal(EntraFlow.DeviceCode, first.Flow);

            // The cache is a secret of the user's vault.
            var vault = new SecretVault(store);
            EntraTokenProvider second = Provider(Registration(clientId, tenant.ToString()), store);
            Assert.NotNull(vault.Read(second.CacheSecretName));

            EntraToken? cached = await second.TryAcquireSilentAsync();
            Assert.NotNull(cached);
            Assert.True(cached!.FromCache);
            Assert.Equal(first.AccessToken, cached.AccessToken);

            // Tokens with 300 s or less left count as expired for MSAL: the next new instance refreshes with the refresh token.
            await SettingsAsync(120);
            EntraTokenProvider third = Provider(Registration(clientId, tenant.ToString()), store);
            await third.SignOutAsync();
            EntraToken short1 = await SignInAsync(third);
            int refreshesBefore = await CounterAsync("token:refresh_token");
            EntraToken? renewed = await Provider(Registration(clientId, tenant.ToString()), store).TryAcquireSilentAsync(short1.Username);
            Assert.NotNull(renewed);
            Assert.False(renewed!.FromCache);
            Assert.NotEqual(short1.AccessToken, renewed.AccessToken);
            Assert.Equal(refreshesBefore + 1, await CounterAsync("token:refresh_token"));

            // The rotated refresh token was persisted: yet another instance refreshes again with it.
            EntraToken? renewedAgain = await Provider(Registration(clientId, tenant.ToString()), store).TryAcquireSilentAsync();
            Assert.NotNull(renewedAgain);
            Assert.Equal(refreshesBefore + 2, await CounterAsync("token:refresh_token"));
            await SettingsAsync(3599);

            // Signed out: nothing cached.
            Assert.Equal(1, await Provider(Registration(clientId, tenant.ToString()), store).SignOutAsync());
            Assert.Null(await Provider(Registration(clientId, tenant.ToString()), store).TryAcquireSilentAsync());
        }

        [Fact]
        public async Task Device_code_approved_through_the_control_API()
        {
            await SettingsAsync(3599);
            Guid user = await SignedInUserAsync();
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            string org = await NewOrgAsync(tenant);
            var seen = new List<DeviceCodePrompt>();

            EntraToken token = await Provider(Registration(clientId, tenant.ToString()), NewUserStore()).AcquireWithDeviceCodeAsync(Approve(seen));

            Assert.Equal(EntraFlow.DeviceCode, token.Flow);
            DeviceCodePrompt prompt = Assert.Single(seen);
            Assert.Equal(9, prompt.UserCode.Length);
            Assert.Contains(prompt.UserCode, prompt.Message, StringComparison.Ordinal);
            Assert.Equal(Emulator.HttpsUrl + "/devicelogin", prompt.VerificationUrl.AbsoluteUri.TrimEnd('/'));
            Assert.Equal(user, (await ConnectionDataAsync(org, token.AccessToken)).UserId);
        }

        [Fact]
        public async Task Device_code_polling_stops_when_cancelled()
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            using var cts = new CancellationTokenSource();
            EntraTokenProvider provider = Provider(Registration(clientId, tenant.ToString()), NewUserStore());
            Task<EntraToken> polling = provider.AcquireWithDeviceCodeAsync(_ =>
            {
                cts.CancelAfter(TimeSpan.FromMilliseconds(1500));
                return Task.CompletedTask;
            }, cancellationToken: cts.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => polling);
        }

        [Fact]
        public async Task Confidential_client_authorization_code_with_PKCE_at_the_instance_callback()
        {
            await SettingsAsync(3599);
            Guid user = await SignedInUserAsync();
            Guid tenant = await NewTenantAsync();
            (Guid clientId, string? secret) = await NewAppAsync(tenant, confidential: true);
            string org = await NewOrgAsync(tenant);
            StateStore store = NewUserStore();
            EntraTokenProvider provider = Provider(Registration(clientId, tenant.ToString(), confidential: true), store, secret);
            Assert.True(provider.IsConfidential);

            EntraAuthorizationRequest request = await provider.CreateAuthorizationRequestAsync();
            Assert.Contains("code_challenge_method=S256", request.Url.Query, StringComparison.Ordinal);
            Assert.Contains("code_challenge=", request.Url.Query, StringComparison.Ordinal);
            Assert.Equal(request.State, EntraTokenProvider.QueryValue(request.Url, "state"));
            Assert.Equal(CallbackUrl, EntraTokenProvider.QueryValue(request.Url, "redirect_uri"));

            Uri callback = await FollowToCallbackAsync(request.Url);
            EntraToken token = await provider.RedeemAuthorizationCodeAsync(request, callback);
            Assert.Equal(EntraFlow.AuthorizationCode, token.Flow);
            Assert.Equal(user, (await ConnectionDataAsync(org, token.AccessToken)).UserId);

            // The same code again: refused by the service (single use).
            EntraSignInException reused = await Assert.ThrowsAsync<EntraSignInException>(() => provider.RedeemAuthorizationCodeAsync(request, callback));
            Assert.Equal(54005, reused.AadstsCode);

            // A forged state never reaches the service.
            EntraAuthorizationRequest second = await provider.CreateAuthorizationRequestAsync();
            Uri forged = new Uri((await FollowToCallbackAsync(second.Url)).AbsoluteUri.Replace("state=", "state=x", StringComparison.Ordinal));
            EntraSignInException state = await Assert.ThrowsAsync<EntraSignInException>(() => provider.RedeemAuthorizationCodeAsync(second, forged));
            Assert.Equal("EntraStateMismatch", state.ErrorId);

            // A wrong PKCE verifier: invalid_grant from the service.
            EntraAuthorizationRequest third = await provider.CreateAuthorizationRequestAsync();
            Uri thirdCallback = await FollowToCallbackAsync(third.Url);
            var wrongVerifier = new EntraAuthorizationRequest(third.Url, third.State, new string('a', 43), third.RedirectUri);
            EntraSignInException pkce = await Assert.ThrowsAsync<EntraSignInException>(() => provider.RedeemAuthorizationCodeAsync(wrongVerifier, thirdCallback));
            Assert.Equal(501481, pkce.AadstsCode);
            Assert.Equal("invalid_grant", pkce.MsalErrorCode);

            // Silent with the confidential client, from the cache in a new instance.
            EntraToken? silent = await Provider(Registration(clientId, tenant.ToString(), confidential: true), store, secret).TryAcquireSilentAsync();
            Assert.NotNull(silent);
            Assert.True(silent!.FromCache);
        }

        [Fact]
        public async Task Supplied_access_token_is_used_as_is_without_a_profile_call()
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, string? secret) = await NewAppAsync(tenant, confidential: true);
            EntraToken sp = await EntraTokenProvider.AcquireForServicePrincipalAsync(ServicePrincipalCredential.FromSecret(clientId, tenant.ToString(), secret!.ToCharArray()), Emulator.HttpsUrl, null, Options());
            int before = await CounterAsync("token");

            EntraToken supplied = EntraTokenProvider.FromAccessToken(("Bearer " + sp.AccessToken).ToCharArray());

            Assert.Equal(EntraFlow.AccessToken, supplied.Flow);
            Assert.Equal(sp.AccessToken, supplied.AccessToken);
            Assert.Equal(tenant.ToString(), supplied.TenantId);
            Assert.NotNull(supplied.ExpiresOn);
            Assert.Equal(before, await CounterAsync("token"));

            EntraToken opaque = EntraTokenProvider.FromAccessToken("not-a-jwt".ToCharArray());
            Assert.Null(opaque.ExpiresOn);
            Assert.Equal("AccessTokenEmpty", Assert.Throws<PfaException>(() => EntraTokenProvider.FromAccessToken("  ".ToCharArray())).ErrorId);
            string expired = "e30." + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("{\"exp\":1000}")).TrimEnd('=') + ".sig";
            Assert.Equal("AccessTokenExpired", Assert.Throws<PfaException>(() => EntraTokenProvider.FromAccessToken(expired.ToCharArray())).ErrorId);
        }

        [Fact]
        public async Task Service_principal_with_a_client_secret()
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, string? secret) = await NewAppAsync(tenant, confidential: true);
            string org = await NewOrgAsync(tenant);
            StateStore store = NewUserStore();
            char[] secretChars = secret!.ToCharArray();

            EntraToken token = await EntraTokenProvider.AcquireForServicePrincipalAsync(ServicePrincipalCredential.FromSecret(clientId, tenant.ToString(), secretChars), Emulator.HttpsUrl, store, Options());

            Assert.Equal(EntraFlow.ServicePrincipal, token.Flow);
            Assert.Equal(tenant.ToString(), token.TenantId);
            Assert.Equal(clientId.ToString(), token.ClientId);
            (HttpStatusCode status, Guid? who) = await ConnectionDataAsync(org, token.AccessToken);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(token.ObjectId, who.ToString());

            // The app-token cache was persisted: a second call (new MSAL instance) does not reach the service.
            int before = await CounterAsync("token:client_credentials");
            EntraToken again = await EntraTokenProvider.AcquireForServicePrincipalAsync(ServicePrincipalCredential.FromSecret(clientId, tenant.ToString(), secretChars), Emulator.HttpsUrl, store, Options());
            Assert.True(again.FromCache);
            Assert.Equal(before, await CounterAsync("token:client_credentials"));
        }

        [Fact]
        public async Task Service_principal_with_a_certificate_file()
        {
            X509Certificate2 cert = SharedCertificate.Value;
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant, confidential: true, certificates: new[] { cert.ExportCertificatePem() });
            string org = await NewOrgAsync(tenant);
            string pfx = Path.Combine(Path.GetTempPath(), "pfa-sp-" + Guid.NewGuid().ToString("N") + ".pfx");
            File.WriteAllBytes(pfx, cert.Export(X509ContentType.Pkcs12, "pw"));
            try
            {
                ServicePrincipalCredential credential = ServicePrincipalCredential.FromCertificateFile(clientId, tenant.ToString(), pfx, "pw".ToCharArray());
                EntraToken token = await EntraTokenProvider.AcquireForServicePrincipalAsync(credential, Emulator.HttpsUrl, null, Options());
                Assert.Equal(HttpStatusCode.OK, (await ConnectionDataAsync(org, token.AccessToken)).Status);

                PfaException wrong = Assert.Throws<PfaException>(() => ServicePrincipalCredential.FromCertificateFile(clientId, tenant.ToString(), pfx, "nope".ToCharArray()));
                Assert.Equal("EntraCertificateUnreadable", wrong.ErrorId);
                Assert.Equal("EntraCertificateNotFound", Assert.Throws<PfaException>(() => ServicePrincipalCredential.FromCertificateFile(clientId, tenant.ToString(), pfx + ".missing")).ErrorId);
            }
            finally
            {
                File.Delete(pfx);
            }
        }

        [Fact]
        public async Task Confidential_client_with_a_certificate_redeems_a_code()
        {
            X509Certificate2 cert = SharedCertificate.Value;
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant, confidential: true, certificates: new[] { cert.ExportCertificatePem() });
            EntraTokenProviderOptions options = Options();
            options.ClientCertificate = cert;
            AppRegistration registration = Registration(clientId, tenant.ToString());
            EntraTokenProvider provider = Provider(registration, NewUserStore(), options: options);
            Assert.True(provider.IsConfidential);

            EntraAuthorizationRequest request = await provider.CreateAuthorizationRequestAsync();
            EntraToken token = await provider.RedeemAuthorizationCodeAsync(request, await FollowToCallbackAsync(request.Url));
            Assert.Equal(EntraFlow.AuthorizationCode, token.Flow);
            Assert.Equal(tenant.ToString(), token.TenantId);
        }

        [Fact]
        public async Task Concurrent_silent_renewals_share_one_cache_under_the_store_lock()
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            StateStore store = NewUserStore();
            // Strict rotation: a second refresh with the same refresh token would be refused.
            await Emulator.ControlAsync("POST", "/_test/entra/settings", new { accessTokenLifetimeSeconds = 120, refreshTokenReuseSeconds = 0 });
            try
            {
                await SignInAsync(Provider(Registration(clientId, tenant.ToString()), store));
                await SettingsAsync(3599);
                int before = await CounterAsync("token:refresh_token");
                EntraToken?[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Provider(Registration(clientId, tenant.ToString()), store).TryAcquireSilentAsync())));
                Assert.All(results, r => Assert.NotNull(r));
                Assert.Equal(before + 1, await CounterAsync("token:refresh_token"));
                Assert.Single(results.Select(r => r!.AccessToken).Distinct());

                // The cache is still readable and holds one account with a working refresh token.
                EntraTokenProvider after = Provider(Registration(clientId, tenant.ToString()), store);
                Assert.Single(await after.GetAccountsAsync());
                Assert.NotNull(await after.TryAcquireSilentAsync());
            }
            finally
            {
                await Emulator.ControlAsync("POST", "/_test/entra/settings", new { accessTokenLifetimeSeconds = 3599, refreshTokenReuseSeconds = 0 });
            }
        }

        [Fact]
        public async Task Two_tenants_side_by_side()
        {
            await SettingsAsync(3599);
            Guid tenantA = await NewTenantAsync();
            Guid tenantB = await NewTenantAsync();
            (Guid appA, _) = await NewAppAsync(tenantA);
            (Guid appB, _) = await NewAppAsync(tenantB);
            string orgA = await NewOrgAsync(tenantA);
            string orgB = await NewOrgAsync(tenantB);
            StateStore store = NewUserStore();

            EntraToken a = await SignInAsync(Provider(Registration(appA, tenantA.ToString()), store));
            EntraToken b = await SignInAsync(Provider(Registration(appB, tenantB.ToString()), store));

            Assert.Equal(tenantA.ToString(), a.TenantId);
            Assert.Equal(tenantB.ToString(), b.TenantId);
            Assert.Equal(HttpStatusCode.OK, (await ConnectionDataAsync(orgA, a.AccessToken)).Status);
            Assert.Equal(HttpStatusCode.OK, (await ConnectionDataAsync(orgB, b.AccessToken)).Status);
            // An organization accepts only tokens of its own tenant.
            Assert.Equal(HttpStatusCode.Unauthorized, (await ConnectionDataAsync(orgA, b.AccessToken)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await ConnectionDataAsync(orgB, a.AccessToken)).Status);

            // Each registration finds its own account in the shared store.
            EntraToken? silentA = await Provider(Registration(appA, tenantA.ToString()), store).TryAcquireSilentAsync();
            EntraToken? silentB = await Provider(Registration(appB, tenantB.ToString()), store).TryAcquireSilentAsync();
            Assert.Equal(a.AccessToken, silentA!.AccessToken);
            Assert.Equal(b.AccessToken, silentB!.AccessToken);

            // An app of tenant A is unknown in tenant B.
            EntraSignInException wrongTenant = await Assert.ThrowsAsync<EntraSignInException>(() => SignInAsync(Provider(Registration(appA, tenantB.ToString()), NewUserStore())));
            Assert.Equal("EntraApplicationNotFound", wrongTenant.ErrorId);
        }

        [Fact]
        public async Task Tenant_discovery_from_the_organization_URL()
        {
            Guid tenant = await NewTenantAsync();
            string entraOrg = await NewOrgAsync(tenant);
            string msaOrg = await NewOrgAsync(null);

            TenantDiscoveryResult entra = await EntraTenantDiscovery.DiscoverAsync(new Uri($"{Emulator.HttpsUrl}/{entraOrg}"), Emulator.Client);
            Assert.Equal(tenant.ToString(), entra.Tenant);
            Assert.Equal(TenantSource.AuthorizationUri, entra.Source);

            TenantDiscoveryResult msa = await EntraTenantDiscovery.DiscoverAsync(new Uri($"{Emulator.HttpsUrl}/{msaOrg}"), Emulator.Client);
            Assert.Equal("organizations", msa.Tenant);
            Assert.Equal(TenantSource.MicrosoftAccount, msa.Source);
        }

        /// <summary>Opens the authorize URL (query response mode) and returns the redirect to the instance callback.</summary>
        private async Task<Uri> FollowToCallbackAsync(Uri authorize)
        {
            using HttpResponseMessage response = await Emulator.Client.GetAsync(authorize);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Uri location = response.Headers.Location!;
            Assert.StartsWith(CallbackUrl + "?", location.AbsoluteUri, StringComparison.Ordinal);
            return location;
        }
    }
}
