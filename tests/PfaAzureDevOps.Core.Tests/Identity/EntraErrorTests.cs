using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Identity.Client;
using PfaAzureDevOps.Core.SignIn.Entra;
using PfaAzureDevOps.Core.Storage;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Identity
{
    /// <summary>Every error the issue names, produced by the emulator (or by MSAL itself) and mapped to a stable id.</summary>
    [Trait(Lane.Name, Lane.Integration)]
    [Collection(EmulatorCollection.Name)]
    public sealed class EntraErrorTests : EntraTestBase
    {
        public EntraErrorTests(EmulatorFixture emulator)
            : base(emulator)
        {
        }

        /// <summary>Signs a user in with short-lived tokens, injects a rule for the refresh, and returns the silent failure.</summary>
        private async Task<EntraSignInException> SilentRefreshFailsWithAsync(object rule)
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            StateStore store = NewUserStore();
            await SettingsAsync(120);
            try
            {
                await SignInAsync(Provider(Registration(clientId, tenant.ToString()), store));
                var json = System.Text.Json.JsonSerializer.SerializeToElement(rule);
                var merged = json.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value);
                merged["clientId"] = clientId.ToString();
                merged["grant"] = "refresh_token";
                await InjectAsync(merged);
                return await Assert.ThrowsAsync<EntraSignInException>(() => Provider(Registration(clientId, tenant.ToString()), store).TryAcquireSilentAsync());
            }
            finally
            {
                await SettingsAsync(3599);
            }
        }

        [Fact]
        public async Task Mfa_required_50076_is_surfaced_with_its_claims_challenge()
        {
            EntraSignInException ex = await SilentRefreshFailsWithAsync(new { code = 50076 });
            Assert.Equal("EntraMfaRequired", ex.ErrorId);
            Assert.Equal(50076, ex.AadstsCode);
            Assert.True(ex.InteractionRequired);
            Assert.Contains("capolids", ex.Claims, StringComparison.Ordinal);
            Assert.Contains("multi-factor authentication", ex.Message, StringComparison.Ordinal);
            Assert.Contains("Connect-PfaAzureDevOps", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Trace ID", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Conditional_access_claims_challenge_goes_to_the_interactive_retry()
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            StateStore store = NewUserStore();
            await SettingsAsync(120);
            try
            {
                await SignInAsync(Provider(Registration(clientId, tenant.ToString()), store));
                string claims = "{\"access_token\":{\"acrs\":{\"essential\":true,\"value\":\"c1\"}}}";
                await InjectAsync(new { clientId = clientId.ToString(), grant = "refresh_token", error = "interaction_required", suberror = "basic_action", claims });

                // Connect again: the silent attempt meets the challenge, the browser sign-in carries the claims.
                EntraToken token = await Provider(Registration(clientId, tenant.ToString()), store).AcquireInteractiveAsync();
                await Browser.Last!;
                Assert.Equal(EntraFlow.Interactive, token.Flow);
                Uri authorize = Browser.Opened.Last();
                Assert.Equal(claims, EntraTokenProvider.QueryValue(authorize, "claims"));
            }
            finally
            {
                await SettingsAsync(3599);
            }
        }

        [Fact]
        public async Task Sign_in_frequency_70043()
        {
            EntraSignInException ex = await SilentRefreshFailsWithAsync(new { code = 70043 });
            Assert.Equal("EntraSignInFrequency", ex.ErrorId);
            Assert.True(ex.InteractionRequired);
            Assert.Contains("Connect-PfaAzureDevOps", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Consent_required_65001()
        {
            EntraSignInException ex = await SilentRefreshFailsWithAsync(new { code = 65001 });
            Assert.Equal("EntraConsentRequired", ex.ErrorId);
            Assert.Equal(PfaErrorKind.PermissionDenied, ex.Kind);
            Assert.Contains("admin consent", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Interaction_required_and_revoked_grants()
        {
            EntraSignInException ex = await SilentRefreshFailsWithAsync(new { error = "interaction_required" });
            Assert.Equal("EntraInteractionRequired", ex.ErrorId);

            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            StateStore store = NewUserStore();
            await SettingsAsync(120);
            try
            {
                await SignInAsync(Provider(Registration(clientId, tenant.ToString()), store));
                await Emulator.ControlAsync("POST", "/_test/entra/revoke", new { clientId = clientId.ToString() });
                EntraSignInException revoked = await Assert.ThrowsAsync<EntraSignInException>(() => Provider(Registration(clientId, tenant.ToString()), store).TryAcquireSilentAsync());
                Assert.Equal("EntraInteractionRequired", revoked.ErrorId);
                Assert.Equal("invalid_grant", revoked.MsalErrorCode);
                Assert.Equal(50173, revoked.AadstsCode);
            }
            finally
            {
                await SettingsAsync(3599);
            }
        }

        [Fact]
        public async Task Application_not_found_700016()
        {
            Guid tenant = await NewTenantAsync();
            Guid unknown = Guid.NewGuid();
            EntraSignInException ex = await Assert.ThrowsAsync<EntraSignInException>(() => SignInAsync(Provider(Registration(unknown, tenant.ToString()), NewUserStore())));
            Assert.Equal("EntraApplicationNotFound", ex.ErrorId);
            Assert.Equal(700016, ex.AadstsCode);
            Assert.Contains(unknown.ToString(), ex.Message, StringComparison.Ordinal);

            // Also as an injected answer of the token endpoint.
            (Guid sp, string? secret) = await NewAppAsync(tenant, confidential: true);
            await InjectAsync(new { clientId = sp.ToString(), code = 700016 });
            EntraSignInException injected = await Assert.ThrowsAsync<EntraSignInException>(() => EntraTokenProvider.AcquireForServicePrincipalAsync(ServicePrincipalCredential.FromSecret(sp, tenant.ToString(), secret!.ToCharArray()), Emulator.HttpsUrl, null, Options()));
            Assert.Equal("EntraApplicationNotFound", injected.ErrorId);
        }

        [Fact]
        public async Task Invalid_client_secret_7000215_never_quotes_the_secret()
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant, confidential: true);
            const string Wrong = "Wr0ng~SecretValue-0123456789abcdef";
            EntraSignInException ex = await Assert.ThrowsAsync<EntraSignInException>(() => EntraTokenProvider.AcquireForServicePrincipalAsync(ServicePrincipalCredential.FromSecret(clientId, tenant.ToString(), Wrong.ToCharArray()), Emulator.HttpsUrl, null, Options()));
            Assert.Equal("EntraInvalidClientSecret", ex.ErrorId);
            Assert.Equal(7000215, ex.AadstsCode);
            // A service principal's secret is fixed by connecting again with it, not by the registration's secret.
            Assert.Contains("Connect-PfaAzureDevOps -ServicePrincipal", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Set-PfaAzureDevOpsApp", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Wrong, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Wrong, ex.ToString(), StringComparison.Ordinal);

            // The confidential user flow meets the same answer when redeeming a code.
            EntraTokenProvider provider = Provider(Registration(clientId, tenant.ToString(), confidential: true), NewUserStore(), Wrong);
            EntraAuthorizationRequest request = await provider.CreateAuthorizationRequestAsync();
            using var response = await Emulator.Client.GetAsync(request.Url);
            EntraSignInException redeem = await Assert.ThrowsAsync<EntraSignInException>(() => provider.RedeemAuthorizationCodeAsync(request, response.Headers.Location!));
            Assert.Equal("EntraInvalidClientSecret", redeem.ErrorId);
            Assert.Contains("Set-PfaAzureDevOpsApp -ClientSecret", redeem.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Trace ID", redeem.Message, StringComparison.Ordinal);
            Assert.NotNull(redeem.TraceId);
            Assert.NotNull(redeem.CorrelationId);
        }

        [Fact]
        public async Task Device_code_declined_expired_and_timed_out()
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);

            EntraSignInException declined = await Assert.ThrowsAsync<EntraSignInException>(() =>
                Provider(Registration(clientId, tenant.ToString()), NewUserStore()).AcquireWithDeviceCodeAsync(Approve(action: "deny")));
            Assert.Equal("EntraSignInDeclined", declined.ErrorId);
            Assert.Equal("authorization_declined", declined.MsalErrorCode);

            EntraSignInException expired = await Assert.ThrowsAsync<EntraSignInException>(() =>
                Provider(Registration(clientId, tenant.ToString()), NewUserStore()).AcquireWithDeviceCodeAsync(Approve(action: "expire")));
            // The message says why when another id comes back (once, under load: EntraConnectionFailed).
            Assert.True(expired.ErrorId == "EntraDeviceCodeExpired", $"{expired.ErrorId}: {expired.Message} {expired.InnerException?.GetType().Name}: {expired.InnerException?.Message}");
            Assert.Equal("expired_token", expired.MsalErrorCode);

            await Emulator.ControlAsync("POST", "/_test/entra/settings", new { deviceCodeLifetimeSeconds = 2 });
            try
            {
                EntraSignInException timedOut = await Assert.ThrowsAsync<EntraSignInException>(() =>
                    Provider(Registration(clientId, tenant.ToString()), NewUserStore()).AcquireWithDeviceCodeAsync(_ => Task.CompletedTask));
                Assert.Equal("EntraDeviceCodeExpired", timedOut.ErrorId);
                Assert.Contains(timedOut.MsalErrorCode, new[] { "code_expired", "expired_token" });
            }
            finally
            {
                await Emulator.ControlAsync("POST", "/_test/entra/settings", new { deviceCodeLifetimeSeconds = 900 });
            }
        }

        [Fact]
        public async Task Throttled_429_and_unavailable_503()
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, string? secret) = await NewAppAsync(tenant, confidential: true);
            await InjectAsync(new { clientId = clientId.ToString(), error = "too_many_requests" });
            EntraSignInException throttled = await Assert.ThrowsAsync<EntraSignInException>(() => EntraTokenProvider.AcquireForServicePrincipalAsync(ServicePrincipalCredential.FromSecret(clientId, tenant.ToString(), secret!.ToCharArray()), Emulator.HttpsUrl, null, Options()));
            Assert.Equal("EntraThrottled", throttled.ErrorId);
            Assert.Equal(PfaErrorKind.LimitsExceeded, throttled.Kind);

            (Guid other, string? otherSecret) = await NewAppAsync(tenant, confidential: true);
            await InjectAsync(new { clientId = other.ToString(), error = "temporarily_unavailable", status = 503, count = 2 });
            EntraSignInException unavailable = await Assert.ThrowsAsync<EntraSignInException>(() => EntraTokenProvider.AcquireForServicePrincipalAsync(ServicePrincipalCredential.FromSecret(other, tenant.ToString(), otherSecret!.ToCharArray()), Emulator.HttpsUrl, null, Options()));
            Assert.Equal("EntraServiceUnavailable", unavailable.ErrorId);
        }

        [Fact]
        public async Task Browser_declined_missing_or_never_finishing()
        {
            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            await InjectAsync(new { clientId = clientId.ToString(), endpoint = "authorize", error = "access_denied", description = "The user declined." });
            EntraSignInException denied = await Assert.ThrowsAsync<EntraSignInException>(() => Provider(Registration(clientId, tenant.ToString()), NewUserStore()).AcquireInteractiveAsync());
            Assert.Equal("EntraSignInDeclined", denied.ErrorId);

            EntraTokenProviderOptions never = Options();
            never.OpenBrowser = _ => Task.CompletedTask;
            never.InteractiveTimeout = TimeSpan.FromSeconds(2);
            EntraSignInException timeout = await Assert.ThrowsAsync<EntraSignInException>(() => Provider(Registration(clientId, tenant.ToString()), NewUserStore(), options: never).AcquireInteractiveAsync());
            Assert.Equal("EntraSignInTimedOut", timeout.ErrorId);

            EntraTokenProviderOptions none = Options();
            none.OpenBrowser = null;
            string? saved = Environment.GetEnvironmentVariable("BROWSER");
            Environment.SetEnvironmentVariable("BROWSER", "/nonexistent/pfa-browser");
            try
            {
                EntraSignInException noBrowser = await Assert.ThrowsAsync<EntraSignInException>(() => Provider(Registration(clientId, tenant.ToString()), NewUserStore(), options: none).AcquireInteractiveAsync());
                Assert.Equal("EntraBrowserUnavailable", noBrowser.ErrorId);
                Assert.Contains("-UseDeviceCode", noBrowser.Message, StringComparison.Ordinal);
            }
            finally
            {
                Environment.SetEnvironmentVariable("BROWSER", saved);
            }
        }

        [Fact]
        public async Task A_browser_that_fails_at_once_cancels_MSALs_wait_with_its_exit_code_and_last_error_line()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            Guid tenant = await NewTenantAsync();
            (Guid clientId, _) = await NewAppAsync(tenant);
            string script = Path.Combine(Path.GetTempPath(), "pfa-failing-browser-" + Guid.NewGuid().ToString("N") + ".sh");
            File.WriteAllText(script, "#!/bin/sh\nsleep 0.3\necho 'no display here' >&2\nexit 4\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            EntraTokenProviderOptions options = Options();
            options.OpenBrowser = null;
            options.InteractiveTimeout = TimeSpan.FromSeconds(60);
            string? saved = Environment.GetEnvironmentVariable("BROWSER");
            Environment.SetEnvironmentVariable("BROWSER", script);
            try
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                EntraSignInException failed = await Assert.ThrowsAsync<EntraSignInException>(() => Provider(Registration(clientId, tenant.ToString()), NewUserStore(), options: options).AcquireInteractiveAsync());
                Assert.Equal("EntraBrowserUnavailable", failed.ErrorId);
                Assert.Contains("exit code 4", failed.Message, StringComparison.Ordinal);
                Assert.Contains("no display here", failed.Message, StringComparison.Ordinal);
                Assert.InRange(watch.Elapsed.TotalSeconds, 0, 20);
            }
            finally
            {
                Environment.SetEnvironmentVariable("BROWSER", saved);
                File.Delete(script);
            }
        }

        [Fact]
        public void Msal_client_errors_map_to_stable_ids()
        {
            var context = new EntraContext("c", "t", "https://login.microsoftonline.com/t/", new[] { "s" }, EntraFlow.Interactive);
            Assert.Equal("EntraBrowserUnavailable", EntraErrors.Map(new MsalClientException("linux_xdg_open_failed", "xdg-open failed"), context).ErrorId);
            Assert.Equal("EntraDeviceCodeExpired", EntraErrors.Map(new MsalClientException("code_expired", "expired"), context).ErrorId);
            Assert.Equal("EntraServiceUnavailable", EntraErrors.Map(new MsalServiceException("service_not_available", "down"), context).ErrorId);
            Assert.Equal("EntraThrottled", EntraErrors.Map(new MsalServiceException("too_many_requests", "slow down"), context).ErrorId);
            Assert.Equal("EntraInteractionRequired", EntraErrors.Map(new MsalUiRequiredException("invalid_grant", "AADSTS50173: revoked."), context).ErrorId);
            Assert.Equal("EntraSignInDeclined", EntraErrors.Map(new MsalServiceException("authorization_declined", "no"), context).ErrorId);
            Assert.Equal("EntraConnectionFailed", EntraErrors.Map(new System.Net.Http.HttpRequestException("The SSL connection could not be established"), context).ErrorId);
        }
    }
}
