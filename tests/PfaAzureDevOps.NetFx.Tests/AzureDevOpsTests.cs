using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core;
using PfaAzureDevOps.Core.AzureDevOps;
using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.SignIn;
using PfaAzureDevOps.Core.SignIn.AzureDevOpsOAuth;
using PfaAzureDevOps.Core.SshTransport;
using PfaAzureDevOps.Core.Ssh;
using Xunit;

namespace PfaAzureDevOps.NetFx.Tests
{
    /// <summary>
    /// The user phase on the net472 engine against the local Azure DevOps (started by build.ps1 with its sshd): the OAuth
    /// token client redeems and refreshes, the SSH key client adds, lists and removes a key, and the SSH access check
    /// clones' first step (the ref advertisement) succeeds with the key and is refused once the key is gone.
    /// </summary>
    public sealed class AzureDevOpsTests
    {
        public AzureDevOpsTests() => NetFxModule.Install();

        [Fact]
        public async Task The_OAuth_token_client_redeems_a_code_and_refreshes_the_token()
        {
            string[] tokens = await AzureDevOpsFlows.RedeemAndRefreshAsync();
            Assert.NotEqual(tokens[0], tokens[1]);
            Assert.All(tokens, t => Assert.False(string.IsNullOrEmpty(t)));
        }

        [Fact]
        public async Task An_SSH_key_is_added_to_Azure_DevOps_opens_the_repository_and_is_refused_once_removed()
        {
            string[] outcome = await AzureDevOpsFlows.KeyLifeCycleAsync();
            Assert.Equal("listed", outcome[0]);
            Assert.Equal("access", outcome[1]);
            Assert.Equal("SshKeyNotAuthorized", outcome[2]);
        }
    }

    internal static class AzureDevOpsFlows
    {
        private static string Http => NetFxModule.RequireSetup("HttpUrl");

        /// <summary>Consents as the emulator's signed-in user and returns the authorization code from the redirect.</summary>
        private static async Task<string> AuthorizationCodeAsync()
        {
            using (var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseProxy = false }))
            {
                string authorize = Http + "/oauth2/authorize?client_id=" + NetFxModule.RequireSetup("AppId") + "&response_type=Assertion&state=netfx&scope="
                    + Uri.EscapeDataString(NetFxModule.RequireSetup("Scopes")) + "&redirect_uri=" + Uri.EscapeDataString(NetFxModule.RequireSetup("CallbackUrl"));
                string page = await client.GetStringAsync(authorize).ConfigureAwait(false);
                string consent = Regex.Match(page, "name=\"consentId\" value=\"([^\"]+)\"").Groups[1].Value;
                Assert.False(string.IsNullOrEmpty(consent), page);
                using (HttpResponseMessage answer = await client.PostAsync(Http + "/oauth2/authorize", new FormUrlEncodedContent(new Dictionary<string, string> { ["consentId"] = consent, ["decision"] = "accept" })).ConfigureAwait(false))
                {
                    Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
                    string location = answer.Headers.Location!.OriginalString;
                    return Uri.UnescapeDataString(Regex.Match(location, "[?&]code=([^&]+)").Groups[1].Value);
                }
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static async Task<string[]> RedeemAndRefreshAsync()
        {
            TokenResponse first = await RedeemAsync().ConfigureAwait(false);
            var client = new OAuthTokenClient();
            TokenResponse second = await client.RefreshAsync(new Uri(Http), NetFxModule.RequireSetup("ClientSecret").ToCharArray(), first.RefreshToken, new Uri(NetFxModule.RequireSetup("CallbackUrl")), CancellationToken.None).ConfigureAwait(false);
            Assert.True(second.ExpiresOn > DateTimeOffset.UtcNow);
            Assert.DoesNotContain(first.AccessToken, first.ToString());
            return new[] { first.AccessToken, second.AccessToken };
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static async Task<TokenResponse> RedeemAsync()
        {
            string code = await AuthorizationCodeAsync().ConfigureAwait(false);
            return await new OAuthTokenClient().RedeemCodeAsync(new Uri(Http), NetFxModule.RequireSetup("ClientSecret").ToCharArray(), code, new Uri(NetFxModule.RequireSetup("CallbackUrl")), CancellationToken.None).ConfigureAwait(false);
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static async Task<string[]> KeyLifeCycleAsync()
        {
            string repository = NetFxModule.RequireSetup("RepositoryUrl");
            HostKeyPolicy pinned = HostKeyPolicy.FromFingerprint(NetFxModule.RequireSetup("HostKeyFingerprint"));
            TokenResponse token = await RedeemAsync().ConfigureAwait(false);
            var credential = new AuthenticationHeaderValue("Bearer", token.AccessToken);
            string organization = NetFxModule.RequireSetup("Organization");
            SshKeyEndpoints endpoints = SshKeyEndpoints.Resolve(organization, new Uri(Http + "/" + organization), null, null);
            var service = new SshKeyService();
            var outcome = new List<string>();

            // The run's RSA key (generated once by the engine, see SharedRsaKey), read back by the engine's reader: RSA, so the
            // access check signs with .NET Framework's RSA (rsa-sha2-256/512) through SSH.NET.
            string privateKey = SharedRsaKey.PrivateKey;
            using (SshKeyPair pair = PfaAzureDevOps.Core.Ssh.SshPrivateKey.Load(privateKey))
            {
                Assert.Equal(SharedRsaKey.PublicKeyLine, pair.PublicKeyLine);
                AzureDevOpsSshKey added = await service.AddAsync(endpoints, credential, new SshKeyAddRequest(pair.PublicKey, "netfx " + Guid.NewGuid().ToString("N").Substring(0, 6), DateTimeOffset.UtcNow.AddDays(30)), null, CancellationToken.None).ConfigureAwait(false);
                IReadOnlyList<AzureDevOpsSshKey> listed = await service.ListAsync(endpoints, credential, CancellationToken.None).ConfigureAwait(false);
                outcome.Add(listed.Any(k => k.AuthorizationId == added.AuthorizationId && k.Md5Fingerprint == pair.PublicKey.Md5Fingerprint) ? "listed" : "missing");

                GitAccessResult access = await GitSshAccessChecker.CheckAsync(GitSshUrl.Parse(repository), privateKey, pinned, TimeSpan.FromSeconds(60), CancellationToken.None).ConfigureAwait(false);
                access.EnsureSuccess();
                outcome.Add(access.Refs.Count > 0 && access.DefaultBranch != null ? "access" : "no refs");

                await service.RemoveAsync(endpoints, credential, added.AuthorizationId, CancellationToken.None).ConfigureAwait(false);
                GitAccessResult refused = await GitSshAccessChecker.CheckAsync(GitSshUrl.Parse(repository), privateKey, pinned, TimeSpan.FromSeconds(60), CancellationToken.None).ConfigureAwait(false);
                Assert.False(refused.Success);
                outcome.Add(refused.ErrorId ?? "no error id");
            }

            return outcome.ToArray();
        }
    }
}
