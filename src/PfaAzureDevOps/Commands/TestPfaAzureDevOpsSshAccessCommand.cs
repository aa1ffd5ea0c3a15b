using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Proves that the current user's SSH key can clone a repository: connects, runs git-upload-pack and reads the refs.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "PfaAzureDevOpsSshAccess")]
    [OutputType(typeof(PfaSshAccessResult))]
    public sealed class TestPfaAzureDevOpsSshAccessCommand : PfaSshHostCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("SshUrl")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RepositoryUrlCompleter))]
        public string RepositoryUrl { get; set; } = null!;

        [Parameter]
        [TimeoutTransformation]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        protected override void ProcessRecordCore()
        {
            PfaSshAccessResult output = CheckAccess(RepositoryUrl, Timeout, out Core.PfaException? error);
            WriteObject(output);
            if (error != null)
            {
                WriteError(ErrorMapper.ToErrorRecord(error));
            }
        }
    }
}
