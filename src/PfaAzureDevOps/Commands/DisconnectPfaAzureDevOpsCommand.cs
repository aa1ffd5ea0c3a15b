using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Forgets your Azure DevOps connection and its tokens.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "PfaAzureDevOps", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PfaAzureDevOpsConnection))]
    public sealed class DisconnectPfaAzureDevOpsCommand : PfaCmdlet
    {
        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            var service = new Core.SignIn.UserConnection();
            if (!ConfirmOrForce(Force, $"Azure DevOps connection of {Environment.UserName} ({service.DocumentPath})", "Forget the connection and its tokens"))
            {
                return;
            }

            Core.Connection.ConnectionDocument? current = null;
            try
            {
                current = service.Get();
            }
            catch (Core.PfaException)
            {
                // Unreadable: Disconnect below moves it aside.
            }

            if (current?.Provider == Core.Registration.IdentityProvider.EntraId)
            {
                // First MSAL's own sign-out of the account; then Disconnect deletes every MSAL cache file of the vault.
                SignOutOfEntra(current);
            }

            Core.Connection.ConnectionDocument? removed = service.Disconnect();
            if (service.MsalCachesDeleted > 0)
            {
                WriteVerbose($"Deleted {service.MsalCachesDeleted} Microsoft Entra ID token cache(s) (MSAL) from {service.Vault.Directory}.");
            }

            if (removed is null)
            {
                WriteWarning($"The connection file could not be read; it was moved aside next to {service.DocumentPath}.");
                return;
            }

            WriteVerbose($"Forgot the connection of {removed.UserDisplayName}. Azure DevOps keeps the authorization until you revoke it under User settings > Authorizations.");
            if (PassThru)
            {
                WriteObject(ConnectionModel.ToOutput(removed, service, DateTimeOffset.UtcNow));
            }
        }

        // Apart so Azure DevOps OAuth disconnects never JIT code that touches MSAL.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private void SignOutOfEntra(Core.Connection.ConnectionDocument removed)
        {
            try
            {
                int accounts = RunOffPipeline(token => Core.SignIn.Entra.EntraSignOut.SignOutAsync(removed, message => OnPipeline(() => WriteVerbose(message))));
                WriteVerbose($"Cleared {accounts} account(s) from MSAL's token cache.");
            }
            catch (Core.PfaException ex) when (ex.ErrorId == Core.Errors.ErrorIds.ConnectionRegistrationChanged)
            {
                WriteVerbose("The Entra application is no longer registered; MSAL's cache of it was left as is.");
            }
        }
    }
}
