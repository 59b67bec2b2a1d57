/* cmd_ingest.c: placeholder until the ingest command lands; replaced by its owner. */
#include "cli.h"

int bm_cmd_ingest(bm_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    return bm_cli_fail("ingest", "this command is not available in this build yet");
}
