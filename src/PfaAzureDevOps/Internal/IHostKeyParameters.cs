namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// The -HostKeyFingerprint and -KnownHostsPath parameters: how the host key of a git server reached over SSH is pinned
    /// (the Azure DevOps fingerprint is built in; never trust on first use). They are declared statically on the two bases
    /// that have them (<see cref="PfaSshHostCmdlet"/>, <see cref="AzDevOpsSshHostCmdlet"/>: a cmdlet has one base class),
    /// and Help.Tests.ps1 checks that every cmdlet declares them identically.
    /// </summary>
    internal interface IHostKeyParameters
    {
        string? HostKeyFingerprint { get; }

        string? KnownHostsPath { get; }
    }
}
