using System;
using System.Management.Automation;
using System.Security;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Returns a valid Azure DevOps access token of your connection, refreshing it when it is about to expire.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PfaAzureDevOpsAccessToken")]
    [OutputType(typeof(SecureString), typeof(string))]
    public sealed class GetPfaAzureDevOpsAccessTokenCommand : PfaCmdlet
    {
        [Parameter]
        public SwitchParameter AsPlainText { get; set; }

        [Parameter]
        public SwitchParameter ForceRefresh { get; set; }

        protected override void ProcessRecordCore()
        {
            string token;
            DateTimeOffset expiresOn;
            Fetch(out token, out expiresOn);
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
            WriteObject(secure);
        }

        private void Fetch(out string token, out DateTimeOffset expiresOn)
        {
            var service = new Core.Connection.ConnectionService();
            if (!ForceRefresh && service.TryGetStoredAccessToken(DateTimeOffset.UtcNow, out Core.Connection.AccessTokenResult? cached))
            {
                token = cached!.Token;
                expiresOn = cached.ExpiresOn;
                return;
            }

            Core.Connection.AccessTokenResult result = RunOffPipeline(cancel => service.GetAccessTokenAsync(
                ForceRefresh, message => OnPipeline(() => WriteVerbose(message)), cancel));
            if (result.Refreshed)
            {
                WriteVerbose($"The access token was refreshed; it expires at {result.ExpiresOn:u}.");
            }

            token = result.Token;
            expiresOn = result.ExpiresOn;
        }
    }
}
