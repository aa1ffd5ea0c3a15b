using System;
using System.Collections.Generic;
using System.Linq;
using PfaAzureDevOps.Core;
using PfaAzureDevOps.Core.AzureDevOps;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Integration;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Ssh;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Integration
{
    /// <summary>The integration check's rules and the secret-expiry rule, in the engine (issue 12, "Rules that belong to the engine").</summary>
    public class IntegrationRulesTests
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        [Theory]
        [InlineData(null, SecretExpiryState.NotRecorded)]
        [InlineData(-1.0, SecretExpiryState.Expired)]
        [InlineData(0.0, SecretExpiryState.Expired)]
        [InlineData(0.5, SecretExpiryState.ExpiringSoon)]
        [InlineData(13.9, SecretExpiryState.ExpiringSoon)]
        [InlineData(14.0, SecretExpiryState.Valid)]
        [InlineData(200.0, SecretExpiryState.Valid)]
        public void The_secret_is_warned_about_when_less_than_14_days_are_left(double? daysLeft, SecretExpiryState expected)
        {
            DateTimeOffset? expires = daysLeft.HasValue ? Now.AddDays(daysLeft.Value) : (DateTimeOffset?)null;
            Assert.Equal(expected, SecretExpiry.Evaluate(expires, Now));
            Assert.Equal(14, SecretExpiry.WarningDays);
        }

        [Fact]
        public void The_client_secret_check_follows_the_expiry_rule_and_the_refresh()
        {
            AppRegistration app = Registration(secret: true, expires: Now.AddDays(10.5));
            IntegrationCheck warn = IntegrationRules.Secret(app, null, false, null, Now);
            Assert.Equal(IntegrationResult.Warn, warn.Result);
            Assert.Contains("expires in 10 day(s), on 2026-12-12", warn.Message);
            Assert.Contains("not verified with Azure DevOps", warn.Message);

            Assert.Equal(IntegrationResult.Pass, IntegrationRules.Secret(Registration(secret: false, expires: null), null, false, null, Now).Result);
            Assert.Equal(IntegrationResult.Fail, IntegrationRules.Secret(Registration(secret: true, expires: Now.AddDays(-1)), null, false, null, Now).Result);
            Assert.Equal(IntegrationResult.Warn, IntegrationRules.Secret(Registration(secret: true, expires: null), null, false, null, Now).Result);

            var connection = new ConnectionDocument { Provider = IdentityProvider.AzureDevOps, ClientId = app.ClientId };
            IntegrationCheck verified = IntegrationRules.Secret(Registration(secret: true, expires: Now.AddDays(40)), connection, true, null, Now);
            Assert.Equal(IntegrationResult.Pass, verified.Result);
            Assert.Contains("accepted it just now", verified.Message);

            var refused = new PfaException(ErrorIds.OAuthInvalidClient, PfaErrorKind.Authentication, "refused");
            IntegrationCheck failed = IntegrationRules.Secret(app, connection, false, refused, Now);
            Assert.Equal(IntegrationResult.Fail, failed.Result);
            Assert.Equal(ErrorIds.OAuthInvalidClient, failed.ErrorId);
        }

        [Fact]
        public void The_registered_key_passes_warns_or_fails_by_its_expiry()
        {
            StoredSshKey local = LocalKey(1);
            string other = LocalKey(2).PublicKey;
            Assert.Equal(IntegrationResult.Fail, Check(local, Key(other, 300)).Result);
            Assert.Contains("is not registered in contoso", Check(local, Key(other, 300)).Message);

            Assert.Equal(IntegrationResult.Pass, Check(local, Key(local.PublicKey, 300)).Result);
            IntegrationCheck warn = Check(local, Key(local.PublicKey, 20.5));
            Assert.Equal(IntegrationResult.Warn, warn.Result);
            Assert.Contains("expires in 20 day(s)", warn.Message);

            IntegrationCheck soon = Check(local, Key(local.PublicKey, 3));
            Assert.Equal(IntegrationResult.Fail, soon.Result);
            Assert.Equal(ErrorIds.AzDevOpsSshKeyExpiring, soon.ErrorId);

            AzureDevOpsSshKey expired = Key(local.PublicKey, 100);
            expired.IsValid = false;
            Assert.Equal(ErrorIds.AzDevOpsSshKeyExpired, Check(local, expired).ErrorId);

            // Of two registrations of the same key, the one valid longest counts.
            Assert.Equal(IntegrationResult.Pass, Check(local, Key(local.PublicKey, 3), Key(local.PublicKey, 300)).Result);
            Assert.Equal("contoso", Check(local, Key(local.PublicKey, 300)).Target);
        }

        [Fact]
        public void The_organizations_come_from_the_repository_urls_once_each()
        {
            IReadOnlyList<string> names = IntegrationRules.OrganizationsOf(new[]
            {
                "git@ssh.dev.azure.com:v3/contoso/Modules/base",
                "git@ssh.dev.azure.com:v3/Contoso/Modules/other",
                "git@ssh.dev.azure.com:v3/fabrikam/P/r",
                "not a url",
            });
            Assert.Equal(new[] { "contoso", "fabrikam" }, names);
            Assert.Empty(IntegrationRules.OrganizationsOf(null));
        }

        [Fact]
        public void Without_a_key_or_a_way_to_ask_Azure_DevOps_the_registration_check_fails_at_once()
        {
            Assert.Equal(IntegrationResult.Fail, IntegrationRules.CannotAskForKeys(null, true, false)!.Result);
            Assert.Contains("Connect-PfaAzureDevOps", IntegrationRules.CannotAskForKeys(LocalKey(1), false, false)!.Message);
            Assert.Null(IntegrationRules.CannotAskForKeys(LocalKey(1), false, true));
            Assert.Equal(string.Empty, IntegrationRules.RefreshHint(true, false));
            Assert.Contains("TokenRefreshable", IntegrationRules.RefreshHint(false, false));
        }

        private static IntegrationCheck Check(StoredSshKey local, params AzureDevOpsSshKey[] keys) =>
            IntegrationRules.KeyRegistration("contoso", keys, local, Now);

        private static AzureDevOpsSshKey Key(string publicKey, double daysLeft) => new AzureDevOpsSshKey
        {
            AuthorizationId = Guid.NewGuid(),
            DisplayName = "pfa",
            PublicData = publicKey,
            ValidTo = Now.AddDays(daysLeft),
            IsValid = true,
        };

        private static AppRegistration Registration(bool secret, DateTimeOffset? expires) => new AppRegistration
        {
            Provider = IdentityProvider.AzureDevOps,
            ClientId = Guid.Parse("6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b"),
            InstanceUrl = "https://pipelines.example.com",
            ClientSecretName = secret ? "client-secret" : null,
            SecretExpiresOn = expires,
        };

        /// <summary>A stored key with an Ed25519 public key made of <paramref name="seed"/> bytes (the rule only compares keys).</summary>
        private static StoredSshKey LocalKey(byte seed)
        {
            byte[] Field(byte[] data) => BitConverter.GetBytes(data.Length).Reverse().Concat(data).ToArray();
            byte[] blob = Field(System.Text.Encoding.ASCII.GetBytes("ssh-ed25519")).Concat(Field(Enumerable.Repeat(seed, 32).ToArray())).ToArray();
            return new StoredSshKey { Type = SshKeyType.Ed25519, PublicKey = "ssh-ed25519 " + Convert.ToBase64String(blob) + " test", Md5Fingerprint = "00" };
        }
    }
}
