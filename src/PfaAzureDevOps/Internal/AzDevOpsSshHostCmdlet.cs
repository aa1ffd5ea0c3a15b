using System.Management.Automation;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// The base of the Azure DevOps key cmdlets that also reach a git server over SSH (Test-PfaAzureDevOpsIntegration,
    /// Update-PfaSshKey): the organization and credential parameters of <see cref="AzDevOpsSshKeyCmdlet"/>, plus the
    /// host-key parameters.
    /// </summary>
    public abstract class AzDevOpsSshHostCmdlet : AzDevOpsSshKeyCmdlet, IHostKeyParameters
    {
        // The host-key parameters, declared the same way in PfaSshHostCmdlet: a cmdlet has one base class (Help.Tests.ps1 checks they match);
        // SshHostKey.CreateHostKeyPolicy turns them into the policy.
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HostKeyFingerprint { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsPath { get; set; }
    }
}
