using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows your Azure DevOps connection: who, which organization, scopes and token expiry (never a token).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PfaAzureDevOpsConnection")]
    [OutputType(typeof(PfaAzureDevOpsConnection))]
    public sealed class GetPfaAzureDevOpsConnectionCommand : PfaCmdlet
    {
        protected override void ProcessRecordCore()
        {
            var service = new Core.SignIn.UserConnection();
            Core.Connection.ConnectionDocument? document = service.Get();
            if (document is null)
            {
                WriteVerbose($"Not connected ({service.DocumentPath} does not exist). Run Connect-PfaAzureDevOps.");
                return;
            }

            WriteObject(ConnectionModel.ToOutput(document, service, DateTimeOffset.UtcNow));
        }
    }
}
