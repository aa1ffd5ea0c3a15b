using System;
using System.Management.Automation;
using System.Security;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Returns a valid Azure DevOps access token of your connection, refreshing it when it is about to expire.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PfaAzureDevOpsAccessToken", DefaultParameterSetName = TokenSet)]
    [OutputType(typeof(SecureString), typeof(string), ParameterSetName = new[] { TokenSet })]
    [OutputType(typeof(PfaAzureDevOpsAccessToken), ParameterSetName = new[] { DetailedSet })]
    public sealed class GetPfaAzureDevOpsAccessTokenCommand : PfaCmdlet
    {
        private const string TokenSet = "Token";
        private const string DetailedSet = "Detailed";

        [Parameter(ParameterSetName = TokenSet)]
        public SwitchParameter AsPlainText { get; set; }

        /// <summary>Returns the token (a SecureString) with its expiry, user, organization, provider and flow.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DetailedSet)]
        public SwitchParameter Detailed { get; set; }

        [Parameter]
        public SwitchParameter ForceRefresh { get; set; }

        protected override void ProcessRecordCore()
        {
            var service = new Core.SignIn.UserConnection();
            string token;
            DateTimeOffset expiresOn;
            bool refreshed = Fetch(service, out token, out expiresOn);
            if (AsPlainText)
            {
                WriteObject(token);
                return;
            }

            var secure = new SecureString();
            foreach (char c in token)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            if (!Detailed)
            {
                WriteObject(secure);
                return;
            }

            Core.Connection.ConnectionDocument document = service.Get() ?? throw Core.SignIn.UserConnection.NotConnected(service.DocumentPath);
            WriteObject(new PfaAzureDevOpsAccessToken
            {
                Token = secure,
                ExpiresOn = expiresOn,
                Refreshed = refreshed,
                UserId = document.UserId,
                UserDisplayName = document.UserDisplayName,
                UserEmail = document.UserEmail,
                Organization = document.Organization,
                OrganizationUrl = document.OrganizationUrl != null ? new Uri(document.OrganizationUrl) : null,
                Provider = document.Provider == Core.Registration.IdentityProvider.EntraId ? nameof(PfaIdentityProvider.EntraId) : nameof(PfaIdentityProvider.AzureDevOps),
                Flow = document.Flow ?? "AuthorizationCode",
                TenantId = document.TenantId,
            });
        }

        private bool Fetch(Core.SignIn.UserConnection service, out string token, out DateTimeOffset expiresOn)
        {
            if (!ForceRefresh && service.TryGetStoredAccessToken(DateTimeOffset.UtcNow, out Core.Connection.AccessTokenResult? cached))
            {
                token = cached!.Token;
                expiresOn = cached.ExpiresOn;
                return false;
            }

            Core.Connection.AccessTokenResult result = RunOffPipeline(cancel => service.GetAccessTokenAsync(
                ForceRefresh, message => OnPipeline(() => WriteVerbose(message)), cancel));
            if (result.Refreshed)
            {
                WriteVerbose($"The access token was refreshed; it expires at {result.ExpiresOn:u}.");
            }

            token = result.Token;
            expiresOn = result.ExpiresOn;
            return result.Refreshed;
        }
    }
}
