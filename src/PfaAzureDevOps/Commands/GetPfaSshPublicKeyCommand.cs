using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows the current user's SSH public key: the line to paste, its type, size, comment and fingerprints.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PfaSshPublicKey")]
    [OutputType(typeof(PfaSshPublicKey))]
    public sealed class GetPfaSshPublicKeyCommand : PfaCmdlet
    {
        protected override void ProcessRecordCore()
        {
            var store = new Core.Ssh.SshKeyStore();
            Core.Ssh.StoredSshKey key = store.GetRequired();
            WriteVerbose($"Read {store.DocumentPath}.");
            WriteObject(SshModel.ToOutput(key));
        }
    }
}
